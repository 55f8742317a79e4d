"""The Home Assistant add-on's glue: options to flags, health check, Supervisor discovery."""
