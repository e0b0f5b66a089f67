"""``{% policies_to_bring subject %}``: on a subject's page, the policies in force the subject
is eligible for and has not received (what the paired cadre brings on the next visit)."""

from django import template

from minqing.people.scoping import Actor

from .. import actions

register = template.Library()


@register.inclusion_tag("policies/_to_bring.html", takes_context=True)
def policies_to_bring(context, subject):
    request = context.get("request")
    a = Actor.for_user(getattr(request, "user", None))
    may = actions.may_deliver(a, subject) if request is not None else False
    return {"policies": actions.to_bring(subject), "subject": subject, "may_deliver": may,
            "next": request.get_full_path() if request is not None else "", "csrf_token": context.get("csrf_token")}
