"""`minqing init --region CODE` (issue 13 part 1): the region tree of a county (or a prefecture,
a province) from the shipped national division table, with departments from the demo's
template; idempotent, refusing a different tree, renamed divisions under their current names."""

import io

import httpx
import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from minqing.demo import data as D
from minqing.people.models import ApiToken, Membership, Role
from minqing.regions import divisions as dv
from minqing.regions.actions import InitRefused, do_init_region, plan_init
from minqing.regions.models import Department, Region

LUKOU = "430212000000"
N_TOWNSHIPS = 8  # 渌口区 in the 2023 table: 8 towns and streets, 140 villages and communities
N_VILLAGES = 140
N_DEPTS = len(D.COUNTY_DEPARTMENTS) + N_TOWNSHIPS


def test_the_table_reads_codes_levels_and_renames():
    assert dv.normalize("4302") == "430200000000" and dv.normalize(" 430212 ") == LUKOU
    for bad in ("", "43a", "4302121", "4" * 13, "43\x0002"):
        with pytest.raises(dv.DivisionError):
            dv.normalize(bad)
    top, rename = dv.resolve("430221000000")  # 株洲县, renamed 渌口区 in 2018
    assert (top.code, top.name, top.level) == (LUKOU, "渌口区", "county")
    assert (rename.old_name, rename.year) == ("株洲县", "2018")
    assert dv.former_names(LUKOU) == ["株洲县"]
    with pytest.raises(dv.DivisionError, match="province, prefecture or county"):
        dv.resolve("430212100000")  # a town
    with pytest.raises(dv.DivisionError, match="no division"):
        dv.resolve("990000000000")
    assert [d.name for d in dv.ancestors(top)] == ["湖南省", "株洲市"]
    assert "渌口区" in [d.name for d in dv.children("430200000000")]
    assert "株洲县" not in [d.name for d in dv.children("430200000000")]
    assert len(dv.children(None)) == 31


def test_plan_counts_and_changes_nothing(db):
    plan = plan_init(LUKOU)
    assert plan.problems == [] and plan.renamed_from is None
    assert plan.counts() == {"province": 1, "city": 1, "county": 1, "township": N_TOWNSHIPS,
                             "village": N_VILLAGES, "department": N_DEPTS}
    assert Region.objects.count() == 0 and Department.objects.count() == 0
    no_villages = plan_init(LUKOU, villages=False)
    assert no_villages.counts()["village"] == 0 and no_villages.counts()["township"] == N_TOWNSHIPS


def test_init_builds_the_tree_and_departments_then_creates_nothing(db):
    created = do_init_region(LUKOU)
    assert created.regions == 3 + N_TOWNSHIPS + N_VILLAGES and created.departments == N_DEPTS
    county = Region.objects.get(code=LUKOU)
    assert county.path == "/430000000000/430200000000/430212000000/" and county.depth == 2
    assert county.parent.name == "株洲市" and county.parent.parent.name == "湖南省"
    towns = list(county.children.order_by("code"))
    assert len(towns) == N_TOWNSHIPS and {t.level for t in towns} == {"township"}
    assert towns[0].code == "430212100000" and towns[0].name == "渌口镇"
    village = Region.objects.get(code="430212100201")
    assert (village.name, village.level, village.parent.code) == ("王家洲村", "village", "430212100000")
    assert village.path == county.path + "430212100000/430212100201/" and village.depth == 4
    water = Department.objects.get(code="430212-water")
    assert water.name == "渌口区水利局" and water.region == county
    assert list(water.categories.values_list("code", flat=True)) == ["water_supply"]
    office = Department.objects.get(code="430212100-office")
    assert office.name == "渌口镇综合治理办公室" and office.region.code == "430212100000"
    assert set(office.categories.values_list("code", flat=True)) == {"other", "public_security"}
    assert county.aliases == ["株洲县"]  # the former name, for reading places in texts
    # a second run: nothing to create, nothing created
    again = do_init_region(LUKOU)
    assert again.regions == again.departments == again.categories == 0
    assert again.plan.empty and again.plan.existing_regions == 3 + N_TOWNSHIPS + N_VILLAGES
    assert Region.objects.count() == 3 + N_TOWNSHIPS + N_VILLAGES


def test_villages_can_come_later_and_a_neighbour_county_joins_the_tree(db):
    first = do_init_region(LUKOU, villages=False)
    assert first.regions == 3 + N_TOWNSHIPS
    assert not Region.objects.filter(level="village").exists()
    later = do_init_region(LUKOU)
    assert later.regions == N_VILLAGES and later.departments == 0
    youxian = do_init_region("430223", villages=False)  # 攸县, same prefecture
    assert youxian.plan.existing_regions == 2  # 湖南省, 株洲市
    assert Region.objects.get(code="430223000000").parent.code == "430200000000"


def test_a_different_tree_is_refused_and_nothing_changes(world):
    before = (Region.objects.count(), Department.objects.count())
    with pytest.raises(InitRefused) as e:
        do_init_region(LUKOU)
    assert any("another region tree" in p for p in e.value.problems)
    assert (Region.objects.count(), Department.objects.count()) == before


def test_other_names_and_stray_rows_are_refused(db):
    do_init_region(LUKOU, villages=False)
    Region.objects.filter(code="430212100000").update(name="雷打石镇")
    problem = plan_init(LUKOU).problems
    assert any("430212100000" in p and "雷打石镇" in p for p in problem)
    Region.objects.filter(code="430212100000").update(name="渌口镇")
    county = Region.objects.get(code=LUKOU)
    Region(code="430212199000", name="虚构镇", level="township", parent=county).save()
    with pytest.raises(InitRefused, match="not in the national table"):
        do_init_region(LUKOU)
    # a grid a county added below a village is its own business, not a stray
    Region.objects.filter(code="430212199000").delete()
    town = Region.objects.get(code="430212100000")
    Region(code="430212100000-G1", name="第一网格", level="grid", parent=town).save()
    assert plan_init(LUKOU).problems == []


def test_a_renamed_division_keeps_its_current_name_and_code(db):
    province = Region(code="430000000000", name="湖南省", level="province")
    province.save()
    city = Region(code="430200000000", name="株洲市", level="city", parent=province)
    city.save()
    Region(code=LUKOU, name="株洲县", level="county", parent=city).save()  # typed before 2018's rename
    created = do_init_region("430221000000", villages=False)  # the former code
    assert created.plan.renamed_from.old_code == "430221000000" and created.renamed == 1
    county = Region.objects.get(code=LUKOU)
    assert county.name == "渌口区" and county.aliases == ["株洲县"]
    assert not Region.objects.filter(code="430221000000").exists()
    # the former code itself in the database is refused: the table has it under 430212
    Region(code="430221000000", name="株洲县", level="county", parent=city).save()
    assert any("renamed" in p for p in plan_init(LUKOU).problems)


def test_a_prefecture_without_counties_gets_the_bureaus_itself(db):
    do_init_region(LUKOU, villages=False)  # another province of the same table is the same tree
    created = do_init_region("441900000000", villages=False)  # 东莞市: towns right under the city
    towns = Region.objects.filter(level="township", path__startswith="/440000000000/")
    assert {t.parent.code for t in towns} == {"441900000000"}
    assert Department.objects.get(code="4419-water").name == "东莞市水利局"
    assert created.departments == len(D.COUNTY_DEPARTMENTS) + towns.count()
    # a root that is not the table's province (another name) is another tree
    Region.objects.filter(code="440000000000").update(name="广东")
    assert any("another region tree" in p for p in plan_init(LUKOU).problems)


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*argv, stdout=out, stderr=err)
        status = 0
    except CommandError as e:
        err.write(f"CommandError: {e}\n")
        status = 1
    return status, out.getvalue(), err.getvalue()


def test_cli_dry_run_init_admin_and_a_second_run(db):
    status, out, _ = run("init", "--region", LUKOU, "--dry-run")
    assert status == 0 and f"township {N_TOWNSHIPS}" in out and f"department {N_DEPTS}" in out
    assert Region.objects.count() == 0
    status, out, err = run("init", "--region", LUKOU, "--admin", "boss")
    assert status == 0, err
    assert f"village {N_VILLAGES}" in out and "渌口区(430212000000)" in out
    assert "townships: 渌口镇、" in out
    line = [ln for ln in out.splitlines() if "one-time password" in ln]
    password = line[0].rsplit(" ", 1)[1]
    user = authenticate(username="boss", password=password)
    assert user is not None and user.is_superuser
    assert Membership.objects.filter(user=user, role=Role.ADMIN).exists()
    assert "init: 176/176" in out  # the progress summary line (not a terminal)
    status, out, _ = run("init", "--region", LUKOU, "--admin", "boss")
    assert status == 0 and "created: 无 / nothing" in out and "password" not in out.replace("password unchanged", "")
    assert authenticate(username="boss", password=password) is not None


def test_cli_refusals_exit_non_zero(world):
    status, _, err = run("init", "--region", LUKOU)
    assert status == 1 and "different tree" in err and "another region tree" in err
    status, _, err = run("init", "--region", "12ab")
    assert status == 1 and "digits" in err
    status, _, err = run("init", "--region", "430221", "--dry-run")
    assert status == 1 and "would be refused" in err


def test_api_lists_the_townships_and_departments_after_init(transactional_db, live_server):
    do_init_region(LUKOU, villages=False, admin="boss")
    _, token = ApiToken.issue(get_user_model().objects.get(username="boss"), "test")

    def get(path, **params):
        return httpx.get(live_server.url + "/api/v1" + path, params=params, timeout=30,
                         headers={"Authorization": f"Bearer {token}"})

    towns = get("/regions", parent=LUKOU)
    assert towns.status_code == 200
    body = towns.json()
    assert body["count"] == N_TOWNSHIPS
    assert {r["level"] for r in body["results"]} == {"township"} and body["results"][0]["name"] == "渌口镇"
    depts = get("/departments", region=LUKOU).json()
    assert depts["count"] == N_DEPTS
    assert "430212-water" in {d["code"] for d in depts["results"]}
    assert get("/regions", parent="430221000000").json()["field"] == "parent"  # the former code is no region


def test_in_the_demo_a_neighbour_county_can_be_added(db):
    """The demo's tree (湖南省 › 株洲市 › its two invented counties) takes a real neighbour
    county from the table; its own invented 渌口区 is refused (other town names)."""
    import random

    from minqing.demo.build import World, build_places

    build_places(World(random.Random(1)))
    assert any("not in the national table" in p or "is '" in p for p in plan_init(LUKOU).problems)
    created = do_init_region("430224000000", villages=False)  # 茶陵县
    assert created.regions == 1 + Region.objects.filter(parent__code="430224000000").count()
    assert Region.objects.get(code="430224000000").parent.code == D.CITY[0]
