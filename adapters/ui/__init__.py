"""The web UI's server side: the plan page's data, the DAG's layout, spec problems by line.

The page and its scripts are in `static/` (plain ES modules, Preact and htm vendored there with
their licences); `adapters.http_api.ui_routes` serves them beside the API.
"""
