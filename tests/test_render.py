"""README rendering: safe HTML, with relative links resolved against the repository."""

from __future__ import annotations

from pulse.web.readme_html import render_readme


def test_relative_links_and_images_point_into_the_repository() -> None:
    html = render_readme(
        "[Guide](docs/guide.md) ![Logo](./img/logo.png) [Top](/LICENSE) [Here](#usage) [Site](https://example.org/x)",
        "Dorset-Council-UK",
        "GdsBlazorComponents",
        "main",
    )
    assert 'href="https://github.com/Dorset-Council-UK/GdsBlazorComponents/blob/main/docs/guide.md"' in html
    assert 'src="https://raw.githubusercontent.com/Dorset-Council-UK/GdsBlazorComponents/main/img/logo.png"' in html
    assert 'href="https://github.com/Dorset-Council-UK/GdsBlazorComponents/blob/main/LICENSE"' in html
    assert 'href="#usage"' in html and 'href="https://example.org/x"' in html


def test_unknown_branch_uses_head_and_hostile_markup_stays_inert() -> None:
    html = render_readme("[x](javascript:alert(1)) <script>alert(1)</script> [y](a.md)", "o", "n")
    assert 'href="javascript' not in html and "<script>" not in html
    assert 'href="https://github.com/o/n/blob/HEAD/a.md"' in html


def test_descriptions_show_as_plain_text_not_markdown() -> None:
    from pulse.core.text import plain_line

    assert plain_line("Find your [nearest site](https://example.gov.uk/sites) for **recycling**") == (
        "Find your nearest site for recycling"
    )
    assert plain_line("Uses `govuk-frontend` ![build](https://ci/badge.svg)") == "Uses govuk-frontend build"
    assert plain_line("No markdown here: 3 < 4") == "No markdown here: 3 < 4"  # untouched, escaped when shown
    assert plain_line("[x](y) &lt;b&gt; <b>") == "x &lt;b&gt; <b>"  # typed text stays literal: escaped when shown
