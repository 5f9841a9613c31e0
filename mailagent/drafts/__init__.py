"""Reply drafts: plan, template variables, pricing, templating, preparation, review, translation."""
