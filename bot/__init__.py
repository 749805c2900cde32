"""The application: configuration, CLI, and (later) the Telegram app, services and user data."""
