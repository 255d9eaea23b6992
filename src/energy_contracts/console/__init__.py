"""The partner console (SPEC §13): server-rendered pages at ``/console/`` for a partner's
engineers and support staff, signed in with an OAuth client of their organisation.

``controller`` holds the pages, ``sessions`` the sign-in, ``views`` what each page shows
(from the domain services: the console prices nothing itself), ``templates/`` and
``static/`` the HTML, styles and scripts, served by the process itself (``static/vendor``
holds Chart.js and htmx at pinned versions, fetched by ``tools/vendor_web_assets.py``).
"""
