"""The web UI: Starlette + Jinja2, Chinese and English, no front-end build.

``mailagent.web.app.create_app(app)`` builds the ASGI app; ``mailagent.cli_web`` serves it.
Routes only parse input, call a use case (``services``, ``drafting``, ``reports`` or the
scoped read models in this package) and render a template.
"""
