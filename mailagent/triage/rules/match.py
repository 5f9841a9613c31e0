"""The closed operator vocabulary of classification rules and the mail fields they read.

``ruleset.py`` validates rule files and calls :func:`compile_condition` once per
``when.<field>.<operator>`` entry; the resulting :class:`Condition` tests a
:class:`MailView` and returns the matched fragment for the rule's reason, or None.
Phrase operators (``any_of``, ``all_of``, ``not_any_of``) and the string operators compare
case-folded text; phrases match on word boundaries in alphabetic scripts and as substrings
in CJK/Thai (which do not separate words), any run of white space matches a space, and a
``*`` at either end of a phrase matches the rest of the word ("defect*", "*reklamation").
Chinese is matched script-independently: traditional characters are mapped to their
simplified forms (:func:`fold`, a built-in table of the characters common in trade mail) in
both the text and the phrases, so 詢價 matches the phrase 询价 and 採購單 matches 采购单;
typographic apostrophes read as ``'`` (French "d’échange" matches the phrase "d'échange").
Phrase lists compile to one prefix-trie regex, so a 200-phrase list costs a few
microseconds per message. ``matches`` uses the rule's own regex on the original text,
Chinese mapped to simplified in both (so a regex's 询价 also finds 詢價).
No I/O, no state beyond the per-message field cache.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mailagent.records import InboundMail
from mailagent.triage.rules.literals import required

__all__ = [
    "FIELDS",
    "HEADER_PREFIX",
    "LIST_OPERATORS",
    "OPERATORS",
    "STRING_OPERATORS",
    "Condition",
    "MailView",
    "compile_condition",
    "compile_phrases",
    "field_values",
    "fold",
    "phrase_text",
    "to_simplified",
]

FIELDS = ("subject", "body", "text", "sender", "sender_domain", "attachment_names")
HEADER_PREFIX = "header."
STRING_OPERATORS = ("contains", "not_contains", "equals", "ends_with", "matches")
LIST_OPERATORS = ("any_of", "all_of", "not_any_of")
OPERATORS = STRING_OPERATORS + LIST_OPERATORS

# Scripts without spaces between words: phrases in them match as substrings.
_UNSPACED = re.compile(
    r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
_T2S_PAIRS = (
    "丟丢並并亞亚來来係系倉仓個个們们側侧傑杰備备傳传傷伤僅仅價价億亿償偿優优兇凶兌兑兒儿內内兩两冊册別别刪删則则剎刹剛刚剝剥創创劃划劑剂動动務务勝胜勞劳勢势勳勋匯汇"
    "匱匮區区協协參参問问啓启啞哑啟启喚唤喪丧單单嗎吗嘗尝噴喷噸吨嚮向嚴严囑嘱國国圍围園园圓圆圖图團团執执堅坚報报場场塊块塗涂墊垫壇坛壓压壞坏夾夹奪夺奮奋媽妈嬰婴學学"
    "實实寧宁審审寫写寬宽寶宝將将專专尋寻對对導导屆届層层屬属岡冈嶺岭嶼屿師师帳帐帶带幣币幫帮幾几庫库廚厨廟庙廠厂廢废廣广廳厅張张彈弹彎弯彙汇彥彦後后徑径從从徠徕復复"
    "徵征徹彻惡恶愛爱態态慚惭慣惯慮虑慶庆憂忧憐怜憑凭應应懲惩懶懒懷怀懸悬戀恋戰战戲戏戶户拋抛掃扫掛挂採采揀拣揚扬換换損损搖摇搶抢撐撑撥拨撿捡擁拥擇择擊击擋挡擔担據据"
    "擠挤擬拟擲掷擴扩擺摆擾扰攔拦攜携攝摄攤摊敗败敘叙敵敌數数斂敛斷断於于時时晉晋暈晕暢畅暫暂曆历曉晓曠旷曬晒書书會会朧胧東东條条棄弃棟栋棧栈業业極极榮荣構构槍枪樁桩"
    "樂乐樓楼標标樣样樹树橋桥機机橫横檔档檢检檯台櫃柜櫥橱欄栏權权歎叹歐欧歡欢歲岁歷历歸归殘残殺杀殼壳氣气氫氢汙污決决沒没沖冲況况浹浃淚泪淨净淺浅減减渦涡測测準准溝沟"
    "溫温滅灭滙汇滬沪滿满漁渔漢汉漲涨漸渐潔洁潛潜潤润澀涩濃浓濕湿濟济濤涛濾滤瀏浏灑洒灘滩灣湾災灾為为無无煉炼煙烟煩烦熱热熾炽燈灯燒烧燜焖營营爐炉爭争爲为爾尔牆墙牽牵"
    "犧牺狀状獄狱獎奖獨独獲获獵猎現现環环璽玺甕瓮產产産产畝亩畢毕畫画異异當当疊叠瘡疮療疗癢痒發发皺皱盜盗盡尽監监盤盘盧卢眥眦眾众睜睁瞭了矚瞩矯矫硯砚碩硕確确碼码磚砖"
    "礎础礦矿禦御禪禅禮礼禿秃稅税稟禀種种稱称穀谷積积穩稳穫获窮穷竅窍竊窃競竞筆笔筍笋節节範范築筑篩筛簡简簽签籃篮糞粪糧粮糰团糾纠紀纪約约紅红紋纹納纳紗纱紙纸級级紛纷"
    "紡纺紮扎細细紹绍終终組组結结絕绝絡络給给絨绒統统絲丝綁绑經经綜综綠绿綢绸綫线維维網网綿绵緊紧緒绪線线編编緩缓緯纬練练縣县縫缝縮缩縱纵總总績绩織织繩绳繪绘繫系繭茧"
    "繳缴繼继續续纏缠纜缆罈坛罰罚罷罢羅罗羥羟義义習习翹翘翺翱聞闻聯联聰聪聲声聳耸職职聽听脅胁脈脉腦脑腫肿膚肤膠胶膽胆臉脸臨临臺台與与舉举舊旧艙舱艦舰艷艳莊庄華华萬万"
    "蒼苍蓋盖蓮莲蔔卜蕭萧薦荐薩萨藍蓝藝艺藥药蘆芦蘇苏蘊蕴蘋苹蘭兰處处虛虚號号虧亏蝦虾蟲虫蠟蜡蠶蚕蠻蛮衆众衊蔑衛卫衝冲袞衮裏里補补裝装裡里製制複复褲裤襪袜襯衬見见規规"
    "覓觅視视親亲覺觉覽览觀观觸触訂订計计訊讯討讨訓训託托記记訣诀訪访設设許许訴诉詐诈評评詞词詠咏詢询試试話话該该詳详誌志認认誕诞誘诱語语誠诚誤误說说誰谁課课誼谊調调"
    "談谈請请諒谅論论諮咨諷讽諸诸諾诺謀谋謂谓謊谎謎谜謙谦講讲謝谢謠谣謹谨證证識识譜谱譯译議议譴谴護护讀读變变讓让讚赞豈岂豎竖豐丰豬猪貓猫貝贝負负財财貢贡貨货貫贯責责"
    "貴贵買买貸贷費费貼贴貿贸賀贺資资賓宾賜赐賞赏賠赔賣卖賦赋質质賬账賭赌賴赖賺赚購购贈赠贊赞贏赢贓赃趕赶趙赵趨趋跡迹蹟迹蹤踪蹺跷躍跃軀躯車车軌轨軍军軒轩軟软軸轴較较"
    "載载輔辅輕轻輛辆輝辉輪轮輯辑輸输轄辖轉转轎轿轟轰辦办辭辞辯辩農农迴回這这連连週周進进遊游運运過过達达違违遜逊遞递遠远適适遲迟選选遺遗還还邊边邏逻郵邮鄉乡鄧邓鄭郑"
    "鄰邻醜丑醫医醬酱釀酿釋释釐厘釘钉針针鈀钯鈍钝鈔钞鈕钮鉅巨鉑铂鉛铅鉤钩銀银銅铜銑铣銘铭銲焊銳锐銷销鋁铝鋅锌鋒锋鋪铺鋼钢錄录錢钱錦锦錨锚錫锡錯错錶表鍋锅鍍镀鍛锻鍵键"
    "鎂镁鎖锁鎢钨鎮镇鎳镍鏈链鏟铲鏡镜鏽锈鐘钟鐵铁鑄铸鑑鉴鑰钥鑼锣鑽钻長长門门閃闪閉闭開开閒闲間间閘闸閣阁閥阀閱阅闆板闊阔闖闯關关闡阐陝陕陣阵陰阴陳陈陸陆陽阳隊队階阶"
    "隕陨際际隨随險险隱隐隴陇隸隶隻只雋隽雖虽雙双雛雏雜杂雞鸡離离難难電电霧雾靂雳靈灵靜静靦腼鞏巩韌韧韓韩響响頁页頂顶項项順顺須须頌颂預预頒颁頓顿頗颇領领頭头頰颊頸颈"
    "頻频顆颗題题額额顎颚顏颜顛颠類类顧顾顫颤顯显顱颅風风飄飘飛飞飯饭飲饮飽饱飾饰餅饼餓饿餘余館馆餵喂饋馈饒饶馬马駁驳駐驻駕驾騎骑騷骚驅驱驕骄驗验驚惊驢驴骯肮髒脏體体"
    "髮发鬆松鬍胡鬧闹鬱郁魚鱼鮮鲜鯨鲸鱷鳄鳥鸟鴻鸿鷹鹰鹼碱鹽盐麗丽麪面麵面麼么麽么黃黄點点黨党黴霉鼴鼹齊齐齋斋齒齿齡龄龍龙"
)
_T2S = str.maketrans(_T2S_PAIRS[0::2], _T2S_PAIRS[1::2])
# every traditional character of the table lies in this block: text without it is unchanged
_T2S_RANGE = re.compile(f"[{min(_T2S_PAIRS[0::2])}-{max(_T2S_PAIRS[0::2])}]")


def to_simplified(text: str) -> str:
    """``text`` with traditional Chinese characters replaced by simplified ones (same length)."""
    return text.translate(_T2S) if _T2S_RANGE.search(text) else text


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})


def _straight_apostrophes(text: str) -> str:
    """Typographic apostrophes (’ ʼ) as ' ("d’échange" is "d'échange"); same length."""
    return text.translate(_APOSTROPHES) if "\u2019" in text or "\u02bc" in text else text


def fold(text: str) -> str:
    """The form phrases are matched in: simplified Chinese, case-folded, straight apostrophes."""
    return _straight_apostrophes(to_simplified(text).casefold())


_VERB = {
    "contains": "contains",
    "not_contains": "does not contain",
    "equals": "equals",
    "ends_with": "ends with",
    "matches": "matches",
    "any_of": "contains",
    "all_of": "contains all of",
    "not_any_of": "contains none of",
}


def field_values(mail: InboundMail, name: str) -> tuple[str, ...]:
    """The values of field ``name`` in ``mail`` (several for attachments and headers)."""
    if name == "subject":
        return (mail.subject,)
    if name == "body":
        return (mail.new_text,)
    if name == "text":
        return (f"{mail.subject}\n{mail.new_text}",)
    address = mail.from_ or mail.sender
    if name == "sender":
        return (address.email,) if address else ()
    if name == "sender_domain":
        return (address.domain,) if address else ()
    if name == "attachment_names":
        return tuple(a.filename for a in mail.attachments)
    if name.startswith(HEADER_PREFIX):
        wanted = name[len(HEADER_PREFIX) :].lower()
        return tuple(value for key, value in mail.headers if key.lower() == wanted)
    raise ValueError(f"unknown field {name!r}")  # ruleset.py validates names first


class MailView:
    """One message's field values (original, simplified-Chinese, folded), computed once."""

    __slots__ = ("_folded", "_raw", "_simplified", "found", "mail")

    def __init__(self, mail: InboundMail) -> None:
        self.mail = mail
        self._raw: dict[str, tuple[str, ...]] = {}
        self._simplified: dict[str, tuple[str, ...]] = {}
        self._folded: dict[str, tuple[str, ...]] = {}
        # (vocabulary name, field) -> first phrase found and its language, or None: several
        # rules test the same vocabulary (as evidence or as a guard), it is searched once
        self.found: dict[tuple[str, str], tuple[str, str] | None] = {}

    def raw(self, name: str) -> tuple[str, ...]:
        if name not in self._raw:
            self._raw[name] = field_values(self.mail, name)
        return self._raw[name]

    def simplified(self, name: str) -> tuple[str, ...]:
        """The values with traditional Chinese mapped to simplified (for ``matches``)."""
        if name not in self._simplified:
            self._simplified[name] = tuple(to_simplified(v) for v in self.raw(name))
        return self._simplified[name]

    def folded(self, name: str) -> tuple[str, ...]:
        """Simplified and case-folded values (for phrases and the string operators)."""
        if name not in self._folded:
            self._folded[name] = tuple(
                _straight_apostrophes(v.casefold()) for v in self.simplified(name)
            )
        return self._folded[name]


Test = Callable[[MailView], str | None]


@dataclass(frozen=True, slots=True)
class Condition:
    """One compiled ``when.<field>.<operator> = value`` test."""

    field: str
    operator: str
    test: Test

    def check(self, view: MailView) -> str | None:
        """The reason fragment ("body contains 'delamination'") or None if it fails."""
        found = self.test(view)
        if found is None:
            return None
        verb = _VERB[self.operator]
        return f"{self.field} {verb} {found!r}" if found else f"{self.field} {verb}"


def _trie(bodies: Sequence[str]) -> str:
    """A regex matching exactly ``bodies``, factored by common prefixes."""
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for body in bodies:
        node = root
        for ch in body:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
        ends = "" in node
        branches = [
            (r"\s+" if ch == " " else re.escape(ch)) + build(child)
            for ch, child in sorted(node.items())
            if ch
        ]
        if not branches:
            return ""
        inner = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return f"(?:{inner})?"
        return inner

    return build(root)


def compile_phrases(phrases: Sequence[str]) -> re.Pattern[str]:
    """One regex for a phrase list, to be searched in case-folded text."""
    groups: dict[tuple[str, str], list[str]] = {}
    for phrase in phrases:
        raw = phrase.strip()
        core = fold(" ".join(raw.strip("*").split()))
        if not core:
            continue
        if _UNSPACED.search(core):
            edges = ("", "")
        else:
            # "*word" looks for the ending only (a leading \w* would rescan every word from
            # each of its letters); phrase_text() widens the match to the whole word
            left = "" if raw.startswith("*") else (r"(?<!\w)" if core[0].isalnum() else "")
            right = r"\w*" if raw.endswith("*") else (r"(?!\w)" if core[-1].isalnum() else "")
            edges = (left, right)
        groups.setdefault(edges, []).append(core)
    parts = [
        f"{left}{_trie(sorted(set(bodies)))}{right}" for (left, right), bodies in groups.items()
    ]
    return re.compile("|".join(parts) if parts else r"(?!x)x")


def _first(pattern: re.Pattern[str], values: Sequence[str]) -> str | None:
    for value in values:
        match = pattern.search(value)
        if match:
            return match.group(0)
    return None


def phrase_text(text: str, match: re.Match[str]) -> str:
    """The text a phrase pattern matched, widened to the start of its word ("*ending")."""
    start = match.start()
    if _UNSPACED.match(text, start):  # CJK / Thai phrases match as substrings
        return match.group(0)
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        if _UNSPACED.match(text, start - 1):
            break
        start -= 1
    return text[start : match.end()]


def _first_phrase(pattern: re.Pattern[str], values: Sequence[str]) -> str | None:
    for value in values:
        match = pattern.search(value)
        if match:
            return phrase_text(value, match)
    return None


def compile_condition(field: str, operator: str, value: str | Sequence[str]) -> Condition:
    """Compile one condition; ``value`` is already type-checked by the loader.

    Raises ``re.error`` for an invalid ``matches`` pattern (the loader reports it).
    """
    if operator in STRING_OPERATORS:
        if not isinstance(value, str):
            raise TypeError(f"{operator} needs a string")
        return Condition(field, operator, _string_test(field, operator, value))
    phrases = [value] if isinstance(value, str) else list(value)
    return Condition(field, operator, _list_test(field, operator, phrases))


def _string_test(field: str, operator: str, value: str) -> Test:
    if operator == "matches":
        source = to_simplified(value)  # a 詢價 in a regex also finds 询价
        pattern = re.compile(source)
        need = required(source)
        if need is None:
            return lambda view: _first(pattern, view.simplified(field))
        # text without any of the literals the regex needs is not searched
        return lambda view: _first(
            pattern, [v for v in view.simplified(field) if need.may_match(v)]
        )
    needle = fold(value)
    if operator == "contains":
        return lambda view: value if any(needle in v for v in view.folded(field)) else None
    if operator == "not_contains":
        return lambda view: None if any(needle in v for v in view.folded(field)) else value
    if operator == "equals":
        return lambda view: next((v for v in view.folded(field) if v.strip() == needle), None)
    return lambda view: next((v for v in view.folded(field) if v.endswith(needle)), None)


def _list_test(field: str, operator: str, phrases: Sequence[str]) -> Test:
    if operator == "all_of":
        each = [compile_phrases([p]) for p in phrases]

        def all_of(view: MailView) -> str | None:
            found = [_first_phrase(p, view.folded(field)) for p in each]
            return None if any(f is None for f in found) else ", ".join(map(str, found))

        return all_of
    pattern = compile_phrases(phrases)
    if operator == "any_of":
        return lambda view: _first_phrase(pattern, view.folded(field))
    shown = ", ".join(phrases[:3]) + (", ..." if len(phrases) > 3 else "")
    return lambda view: None if _first_phrase(pattern, view.folded(field)) is not None else shown
