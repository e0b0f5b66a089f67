from minqing.insights.normalize import bigrams, content, has_traditional, normalize, to_simplified


def test_traditional_to_simplified_and_original_untouched():
    original = "渌口區朱亭鎮停水三天，沒人管！"
    out = normalize(original)
    assert out == "渌口区朱亭镇停水三天,没人管!"
    assert original == "渌口區朱亭鎮停水三天，沒人管！"
    assert has_traditional(original) and not has_traditional(out)


def test_fullwidth_whitespace_and_repeated_punctuation():
    assert normalize("　ＡＢＣ１２３　路灯  不亮！！！？？") == "ABC123 路灯 不亮!?"
    assert normalize("") == ""
    assert to_simplified("停水") == "停水"


def test_content_and_bigrams():
    assert content("停水, 三天!") == "停水三天"
    assert bigrams("停水, 三天 x") == ["停水", "三天", "x"]


def test_callers_dialect_and_typos_are_folded():
    assert normalize("咯里冇得水恰了，搞不赢了") == "这里没有水吃了,来不及了"
    assert normalize("我堂客晓得的，么子都冇讲") == "我妻子知道的,什么都没讲"
    assert normalize("工资以经三个月冇到帐") == "工资已经三个月没到账"
    # words that only look like dialect stay as they are
    assert normalize("恰好路过，道路等问题") == "恰好路过,道路等问题"
    assert normalize("冇得電，咯裡") == "没有电,这里"  # traditional first, then the dialect
