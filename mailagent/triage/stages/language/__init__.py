"""Language stage: script, Latin, Cyrillic and n-gram evidence, function words."""
