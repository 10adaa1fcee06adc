# Copy to instance/config.py (git-ignored) and adjust. Environment variables OHWB_<NAME>
# override anything here; see the configuration table in the README for every setting.

SECRET_KEY = "replace with the output of: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
ENVIRONMENT = "production"
DATABASE_URL = "postgresql://ohwb@db.internal:5432/ohwb"
BASE_URL = "https://engage.example.nhs.uk"

MAIL_SERVER = "smtp.example.nhs.uk"
MAIL_PORT = 587
MAIL_USE_TLS = True
MAIL_USERNAME = "ohwb-engage"
MAIL_PASSWORD = "from your secret store"
MAIL_DEFAULT_SENDER = "OHWB co-design <ohwb-engage@example.nhs.uk>"

REDIS_URL = "redis://127.0.0.1:6379/0"
PROXY_FIX = 1
