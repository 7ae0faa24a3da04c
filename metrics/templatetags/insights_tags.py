from django import template
from django.utils.formats import number_format

NO_VALUE = "\N{EN DASH}"
MINUS = "\N{MINUS SIGN}"

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """0.4567 -> "46%"; empty for no value."""
    if value is None:
        return NO_VALUE
    return f"{number_format(100 * value, decimal_pos=digits)}%"


@register.filter
def change(value: float | None) -> str:
    """A relative change: 0.25 -> "+25%", -0.1 -> minus 10%, None -> a dash."""
    if value is None:
        return NO_VALUE
    sign = "+" if value > 0 else (MINUS if value < 0 else "\N{PLUS-MINUS SIGN}")
    return f"{sign}{number_format(abs(100 * value), decimal_pos=0)}%"


@register.filter
def figure(value: float | None, is_ratio: bool = False) -> str:
    """A headline figure: ratios as percentages, averages with one decimal."""
    if value is None:
        return NO_VALUE
    if is_ratio:
        return percent(value, 1)
    if isinstance(value, float) and not value.is_integer():
        return number_format(value, decimal_pos=1)
    return number_format(int(value), force_grouping=True)


@register.filter
def div_share(part: int, whole: int) -> str:
    """part of whole as a percentage: 3|div_share:12 -> "25%"."""
    return percent(part / whole) if whole else NO_VALUE
