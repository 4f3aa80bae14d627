"""``{% site_url "name" %}``: the URL of a named route that takes no arguments, reversed once per process.

The site's header and footer (``templates/base.html``) link the same pages on every page, and
``{% url %}`` reverses each one on every render: a fifth of the CPU of rendering a small page such
as a ballot receipt. A route without arguments always reverses to the same path for one URLconf,
script prefix and language, so the path is kept per process under that key (read once per page
render); the output is escaped as ``{% url %}``'s is. Routes with arguments keep using ``{% url %}``.
"""

from __future__ import annotations

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

register = template.Library()

_KEY = "civic.site_url.key"
_urls: dict[tuple[object, str], str] = {}


@register.simple_tag(takes_context=True)
def site_url(context: template.Context, name: str) -> str:
    """``reverse(name)``, computed once per URLconf, script prefix and language in this process."""
    render_context = context.render_context
    key = render_context.get(_KEY)
    if key is None:
        key = render_context[_KEY] = (get_urlconf(), get_script_prefix(), get_language())
    try:
        return _urls[key, name]
    except KeyError:
        url = _urls[key, name] = reverse(name)
        return url
