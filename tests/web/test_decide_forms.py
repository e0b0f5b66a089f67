"""The decision endpoints of the pages without a browser: adopting a suggestion (refusals,
scope), the merge confirmation's checks, the portal's place hint and one-match category."""

from django.test import Client

from minqing.cases.models import Case, Event

from .helpers import new_case


def login(world, name):
    c = Client()
    c.force_login(world.users[name])
    return c


def test_adopt_refusals_change_nothing(world, settings):
    settings.MINQING = {**settings.MINQING, "CATEGORY_AUTO_THRESHOLD": 1.5}
    case = new_case(world, text="朱亭村停水", category=None, region="430212101")
    c = login(world, "disp_zt")
    url = f"/work/suggest/{case.pk}/adopt/"
    r = c.post(url, {"category": "nope"})
    assert r.status_code == 422 and "unknown category" in r.content.decode()
    r = c.post(url, {"region": "430212102201"})  # another township's village
    assert r.status_code == 422
    r = c.post(url, {})
    assert r.status_code == 422 and "没有可采纳的建议" in r.content.decode()
    r = c.post(url, {"category": "x" * 500})  # cut to the field's size, then refused
    assert r.status_code == 422
    # htmx gets the item back with the refusal inside (htmx swaps 2xx only)
    r = c.post(url, {"category": "nope"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and 'class="errorlist"' in r.content.decode()
    assert login(world, "disp_yx").post(url, {"category": "water_supply"}).status_code == 404
    assert login(world, "water").post(url, {"category": "water_supply"}).status_code == 403
    assert c.get(url).status_code == 405
    assert Case.objects.get(pk=case.pk).version == 0 and not Event.objects.filter(action="categorize").exists()
    r = c.post(url, {"category": "water_supply", "region": "430212101201"})
    assert r.status_code == 200 and "已采纳建议" in r.content.decode()
    row = Case.objects.get(pk=case.pk)
    assert (row.category.code, row.region.code, row.version) == ("water_supply", "430212101201", 2)


def test_portal_place_hint_and_category_search(world, client):
    r = client.get("/report/place/", {"text": "朱亭村三组停水两天了"})
    assert r.status_code == 200 and "朱亭村" in r.content.decode() and 'id="place-confirm"' in r.content.decode()
    r = client.get("/report/place/", {"text": "朱亭村三组停水两天了", "region": "430212101201"})
    assert 'id="place-confirm"' not in r.content.decode()  # already chosen
    r = client.get("/report/place/", {"text": "停水" * 4000})  # long: cut, never an error
    assert r.status_code == 200 and 'id="place-confirm"' not in r.content.decode()
    assert client.post("/report/place/", {"text": "x"}).status_code == 405
    one = client.get("/report/categories/", {"q": "Water supply"}).content.decode()
    assert 'value="water_supply" selected' in one
    many = client.get("/report/categories/", {"q": "水"}).content.decode()
    assert many.count(" selected") == 0 and many.count("<option") > 2


def test_the_new_page_texts_are_english_on_english_pages(world):
    from django.conf import settings

    from minqing.cases import actions

    original = new_case(world)
    dup = new_case(world, text="朱亭村三组停水两天了，老人孩子都没水喝", phone="13700000000")
    c = login(world, "disp_zt")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = c.get(f"/case/{dup.pk}/merge/", {"into": original.tracking_code}).content.decode()
    assert "Confirm the merge" in page and "This case (to be merged)" in page and "确认合并" not in page
    assert f"Merge {dup.tracking_code} into {original.tracking_code}" in page
    case = c.get(f"/case/{dup.pk}/").content.decode()
    assert "Possible duplicates" in case and "text similarity" in case and "Change the category" in case
    assert "负责" not in case and "Handles Water supply" in case  # the routing reason, no code, in English
    actions.merge(world.actor("disp_zt"), dup, into=original.pk)
    assert "Undo the merge" in c.get(f"/case/{dup.pk}/").content.decode()
    hint = c.get("/report/place/", {"text": "朱亭村三组停水"}).content.decode()
    assert "Is it in" in hint and "Yes, here" in hint
