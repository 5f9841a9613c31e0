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
both the text and the phrases, so 詢價 matches the phrase 询价 and 採購單 matches 采购单.
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
    "丟丢並并亞亚來来係系倉仓個个們们側侧傑杰備备傳传傷伤僅仅價价億亿償偿優优兌兑兒儿內内兩两冊册別别刪删則则剛刚剝剥創创劃划劑剂動动務务勝胜勞劳勢势匯汇區区協协參参"
    "問问啟启單单嗎吗噴喷噸吨嚴严國国圍围園园圓圆圖图團团執执堅坚報报場场塊块塗涂墊垫壓压壞坏夾夹媽妈學学實实寧宁審审寫写寬宽寶宝將将專专對对導导層层師师帳帐帶带幣币"
    "幫帮幾几庫库廠厂廢废廣广廳厅張张彈弹彎弯彙汇後后徑径從从復复徵征徹彻惡恶愛爱態态慣惯慮虑慶庆憂忧憑凭應应懷怀懸悬戰战戶户掃扫掛挂揀拣揚扬換换損损搶抢撥拨撿捡擁拥"
    "擇择擊击擋挡擔担據据擠挤擬拟擴扩擺摆攜携攝摄攤摊敗败敵敌數数斷断於于時时暢畅曆历曉晓書书會会東东條条棄弃業业極极榮荣構构樂乐樓楼標标樣样樹树橋桥機机檢检檯台櫃柜"
    "權权歐欧歡欢歲岁歷历歸归氣气決决沒没況况淨净淺浅減减測测準准溝沟溫温滬沪滿满漲涨潤润濃浓濕湿濟济濾滤灣湾為为無无煉炼煙烟熱热燈灯燒烧營营爐炉爾尔牽牵狀状獨独獲获"
    "現现環环產产産产畢毕畫画異异當当疊叠療疗發发盜盗盡尽監监盤盘碩硕確确碼码礎础礦矿禮礼稅税種种稱称積积穩稳筆笔節节範范築筑簡简簽签糧粮糾纠紀纪約约紅红紙纸級级細细"
    "紹绍終终組组結结絕绝絡络給给統统經经綜综綠绿維维網网緊紧線线編编練练縣县縮缩總总績绩織织繫系繳缴續续羅罗義义習习翹翘聞闻聯联職职聽听腦脑膠胶臨临臺台與与舉举舊旧"
    "艙舱莊庄華华萬万蓋盖藍蓝藝艺藥药蘇苏蘭兰處处虛虚號号衛卫衝冲裏里補补裝装裡里製制複复襪袜見见規规視视親亲覽览觀观觸触訂订計计訊讯討讨訓训託托記记訪访設设訴诉評评"
    "詞词詢询試试話话該该詳详認认語语誠诚誤误說说誰谁課课調调談谈請请講讲謝谢謹谨證证識识譯译議议護护讀读變变讓让豎竖豐丰貝贝負负財财貨货責责貴贵買买貸贷費费貼贴貿贸"
    "資资賠赔賣卖質质賬账購购趕赶車车軟软較较載载輕轻輛辆輪轮輸输轉转辦办迴回這这連连週周進进運运過过達达違违遞递遠远適适遲迟選选還还邊边邏逻郵邮鄉乡鄭郑醫医釋释釐厘"
    "鈀钯銀银銅铜銑铣銲焊銷销鋁铝鋪铺鋼钢錄录錢钱錫锡錯错鍍镀鍵键鎖锁鎳镍鏈链鐵铁鑽钻長长門门閉闭開开間间閱阅關关陰阴陳陈陸陆陽阳隊队階阶際际隨随險险隱隐隻只雙双雜杂"
    "離离難难電电靈灵靜静頁页頂顶項项順顺須须預预頓顿領领頭头頻频顆颗題题額额顏颜類类顧顾顯显風风飛飞餘余饋馈驅驱驗验驚惊體体髮发鬆松鮮鲜鴻鸿麗丽麵面麼么麽么點点齊齐"
    "齡龄龍龙"
)
_T2S = str.maketrans(_T2S_PAIRS[0::2], _T2S_PAIRS[1::2])


def to_simplified(text: str) -> str:
    """``text`` with traditional Chinese characters replaced by simplified ones (same length)."""
    return text.translate(_T2S)


def fold(text: str) -> str:
    """The form phrases are matched in: simplified Chinese, case-folded."""
    return to_simplified(text).casefold()


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

    __slots__ = ("_folded", "_raw", "_simplified", "mail")

    def __init__(self, mail: InboundMail) -> None:
        self.mail = mail
        self._raw: dict[str, tuple[str, ...]] = {}
        self._simplified: dict[str, tuple[str, ...]] = {}
        self._folded: dict[str, tuple[str, ...]] = {}

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
            self._folded[name] = tuple(v.casefold() for v in self.simplified(name))
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
            left = r"\w*" if raw.startswith("*") else (r"(?<!\w)" if core[0].isalnum() else "")
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
        pattern = re.compile(to_simplified(value))  # a 詢價 in a regex also finds 询价
        return lambda view: _first(pattern, view.simplified(field))
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
            found = [_first(p, view.folded(field)) for p in each]
            return None if any(f is None for f in found) else ", ".join(map(str, found))

        return all_of
    pattern = compile_phrases(phrases)
    if operator == "any_of":
        return lambda view: _first(pattern, view.folded(field))
    shown = ", ".join(phrases[:3]) + (", ..." if len(phrases) > 3 else "")
    return lambda view: None if _first(pattern, view.folded(field)) is not None else shown
