"""Discord extensions: thin glue that resolves the locale, calls a service, renders and responds."""
