"""Classification rules as validated data: parse, match, vocabulary, the loaded ruleset."""
