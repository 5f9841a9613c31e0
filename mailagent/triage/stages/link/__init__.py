"""Link stage: file a mail under a customer and order (names, numbers)."""
