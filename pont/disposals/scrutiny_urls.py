"""URLs of the out-of-court disposals scrutiny panel (under /disposals/scrutiny)."""

from django.urls import URLPattern, path

from . import scrutiny_views

urlpatterns: list[URLPattern] = [
    path("scrutiny", scrutiny_views.sample_list, name="scrutiny_list"),
    path("scrutiny/draw", scrutiny_views.sample_draw, name="scrutiny_draw"),
    path("scrutiny/<int:sample_id>", scrutiny_views.sample_detail, name="scrutiny_sample"),
    path("scrutiny/<int:sample_id>/close", scrutiny_views.sample_close, name="scrutiny_close"),
    path(
        "scrutiny/<int:sample_id>/report.pdf",
        scrutiny_views.sample_report,
        name="scrutiny_report",
    ),
    path("scrutiny/cases/<int:case_id>", scrutiny_views.case_detail, name="scrutiny_case"),
]
