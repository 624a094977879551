"""The HTML pages: logging in, changing one's password, the map, the dashboard, the settlements, the activities and
their forms, data entry and the downloads page (none of them in ``/openapi.json``).

Each module exposes ``router``; :data:`ROUTERS` lists them.
"""

from landrelease.web.pages import account, activities, data_entry, downloads, login, public

ROUTERS = [
    login.router,
    account.router,
    public.router,
    activities.router,
    downloads.router,
    data_entry.router,
]
