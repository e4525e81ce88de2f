"""Dashboard views, one module per area; each parses input, calls a service or selector, renders."""
