"""The edge kit: what every page of every app uses, on the ground floor.

Rendering a page or its htmx partial, service errors on a form, the table column kit and
paginator, status badges, text limits, the Content-Security-Policy helpers, CSV downloads and
bounded counts. It imports Django and its libraries only, never an app: the apps build on it, and
``dashboard/`` (the project) sits above them all. ``tests/test_layers.py`` holds the rule.
"""
