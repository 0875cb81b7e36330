"""The start page, the dashboard and site-wide settings such as the language."""
