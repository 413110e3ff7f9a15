"""Web dashboard and JSON API: ``zhangjiang.web.app.create_app(settings)`` returns the app."""
