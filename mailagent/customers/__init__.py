"""The customer archive: import files, check rows, write customers, contacts and orders."""
