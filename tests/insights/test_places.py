"""Place resolution against the shipped gazetteer and the world's own region tree."""

from minqing.insights import places


def resolve(text):
    return places.resolve(text)


def test_omitted_township_resolves_to_the_village(world):
    p = resolve("渌口区朱亭村自来水停了三天")
    assert (p["code"], p["level"]) == ("430212101201", "village")
    assert p["words"] == ["渌口区", "朱亭村"]
    assert [c["code"] for c in p["chain"]] == ["430000", "430200", "430212", "430212101", "430212101201"]
    assert p["region_code"] == "430212101201"


def test_traditional_characters_and_renamed_county(world):
    p = resolve("株洲縣朱亭鎮有人反映路燈不亮")
    assert (p["code"], p["level"]) == ("430212101", "township")
    assert "株洲县" in p["words"] and "朱亭镇" in p["words"]


def test_region_alias_is_used_and_the_cache_follows_edits(world):
    assert resolve("红星老村这边停水") is None
    village = world.regions["430212101201"]
    village.aliases = ["红星老村"]
    village.save()
    p = resolve("红星老村这边停水")
    assert p["code"] == "430212101201"


def test_gazetteer_places_outside_the_deployment(world):
    p = resolve("长沙市岳麓区望月湖街道晚上噪音扰民")
    assert p["level"] == "township" and p["name"] == "望月湖街道" and p["code"] is None
    assert [c["code"] for c in p["chain"][:3]] == ["430000", "430100", "430104"]
    assert p["region_code"] == "430000"  # the deepest region the deployment has on that chain


def test_short_names_of_far_places_need_support(world):
    # "楼道里" holds 道里 (哈尔滨市道里区): not a place on its own
    assert resolve("楼道里堆满了杂物") is None
    assert resolve("哈尔滨道里区有人乱停车")["code"] == "230102"


def test_name_shared_by_two_places_is_settled_by_the_county(world):
    from minqing.regions.models import Region

    Region.objects.create(code="430223100002", name="朱亭村", level="village", parent=world.regions["430223100"])
    assert resolve("朱亭村停水")["level"] in ("city", "county")  # ambiguous alone: their common ancestor
    assert resolve("攸县朱亭村停水")["code"] == "430223100002"
    assert resolve("渌口区朱亭村停水")["code"] == "430212101201"


def test_no_place(world):
    assert resolve("我家门口的路灯坏了") is None


def test_a_short_name_written_twice_is_no_support(world):
    # "楼道里" twice holds 道里 (哈尔滨市道里区) twice: still one weak name, never a place
    assert resolve("楼道里堆满了杂物，还有人在楼道里充电") is None
    p = resolve("城东社区楼道里堆满了杂物，还有人在楼道里给电瓶车充电")
    assert p["code"] == "430223100001"
    assert p["words"] == ["城东社区"]


def test_two_character_township_names_far_away_need_support(world):
    # the national table has a township named "社区" (山西): the word alone is no place
    assert resolve("社区医院的疫苗经常缺货") is None
    assert resolve("表扬一下社区的王书记") is None


def test_a_township_short_form_that_is_an_ordinary_word_needs_support(world):
    from minqing.regions.models import Region

    Region.objects.create(code="430223101", name="建设街道", level="township", parent=world.regions["430223"])
    assert resolve("高标准农田建设质量太差，刚修的渠道就垮了") is None
    assert resolve("建设街道停水三天了")["code"] == "430223101"
    assert resolve("攸县建设那边停水三天了")["code"] == "430223101"
    assert resolve("朱亭那边停水三天了")["code"] == "430212101"  # a rare short form still counts alone
