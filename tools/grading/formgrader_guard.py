"""A Jupyter server extension that refuses formgrader's own "autograde" button.

(It also serves MathJax for formgrader's grading page: see the loader below.)

formgrader's autograde (``POST /formgrader/api/submission/<hw>/<student>/autograde``) runs
the student's notebook in a plain ``python3`` kernel with the instructor's rights: no
sandbox, the real gradebook within reach (see ``assignments/GRADING_SECURITY.md``). nbgrader
0.9.6 has no setting that turns the button off, so this extension answers that endpoint
with 403 and a message pointing at ``make grade``, before formgrader's handler sees it.

Everything else of formgrader stays: manual grading, comments, "generate feedback" (it only
converts the already graded notebook to HTML with the course's feedback template, hidden
tests stripped: no student code runs) and release/collect.

``make formgrader`` loads it::

    cd assignments && PYTHONPATH=.. jupyter lab --ServerApp.jpserver_extensions tools.grading.formgrader_guard=True
"""

from __future__ import annotations

import json

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

#: formgrader endpoints that would run student code outside the sandbox.
BLOCKED = (r"/formgrader/api/submission/([^/]+)/([^/]+)/autograde",)

#: where formgrader's page finds MathJax (see templates/formgrade/mathjax.html.j2)
MATHJAX_URL = "dl-course-static/mathjax"

MESSAGE = ("Autograding from formgrader is disabled in this course: it would run the "
           "student's code outside the grading sandbox. Grade with `make grade "
           "SUBMISSIONS=assignments/submitted` (or `make grade ZIP=...`), then grade the "
           "written answers here.")


class RefuseHandler(JupyterHandler):
    """403 with formgrader's own JSON shape (``success``, ``error``, ``log``)."""

    @web.authenticated
    def post(self, *args) -> None:
        self.set_status(403)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"success": False, "error": MESSAGE, "log": MESSAGE}))

    @web.authenticated
    def get(self, *args) -> None:
        self.post(*args)


class PublicStaticHandler(web.StaticFileHandler):
    """MathJax, a public library: served without login (a page's <script> may come first)."""

    @allow_unauthenticated
    def get(self, path: str, include_body: bool = True):
        return super().get(path, include_body)


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "tools.grading.formgrader_guard"}]


def _load_jupyter_server_extension(serverapp) -> None:
    """Add the refusing handlers in front of every other rule (formgrader's included).

    Also serve MathJax 3 at ``<base_url>/dl-course-static/mathjax/`` for formgrader's grading
    page (``templates/formgrade/mathjax.html.j2``): formulas render without a network.
    """
    from tools.grading.offline_feedback import mathjax_script

    webapp = serverapp.web_app
    base = webapp.settings["base_url"]
    handlers = [(url_path_join(base, pattern.lstrip("/")), RefuseHandler) for pattern in BLOCKED]
    handlers.append((url_path_join(base, MATHJAX_URL, "(.*)"), PublicStaticHandler,
                     {"path": str(mathjax_script().parent)}))
    webapp.add_handlers(".*$", handlers)
    # tornado tries host rules in the order they were added; formgrader's may already be
    # there: move ours (just inserted before the final catch-all) to the front
    rules = webapp.default_router.rules
    rules.insert(0, rules.pop(len(rules) - 2))
    serverapp.log.info("formgrader_guard: formgrader's autograde endpoint is refused (403)")


# jupyter_server < 2 names
load_jupyter_server_extension = _load_jupyter_server_extension
