"""A second, independent source for the language benchmark: sentences written for mailagent.

    python bench/langid_sentences.py [--out FILE.jsonl] [--pairs N] [--seed S]
    python bench/langid.py FILE.jsonl --kinds sentence

Per language, a dozen clauses of five words or more, written by hand for this project
(business mail and everyday topics; nothing is copied from ``lingua_sample.jsonl`` or any
other evaluation set). Each clause is a sentence on its own, and ``--pairs`` random pairs
per language are joined with that language's "and" (``lang`` stays the language). The
main languages, Ukrainian, and languages the detector does not answer (Catalan, Galician,
Slovak, Croatian, Slovenian, Basque, Belarusian, Afrikaans; ``kind`` "sentence", the
expected answer being their own code or "other", never a supported language). Output is
deterministic for a seed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

AND = {
    "en": "and", "de": "und", "es": "y", "fr": "et", "pt": "e", "it": "e", "nl": "en",
    "pl": "i", "tr": "ve", "vi": "và", "ru": "и", "uk": "і", "ca": "i", "gl": "e",
    "sk": "a", "hr": "i", "sl": "in", "eu": "eta", "be": "і", "af": "en",
    "zh": "，", "ja": "、", "ko": "그리고", "ar": "و",
}  # fmt: skip

CLAUSES: dict[str, list[str]] = {
    "en": [
        "We received your samples yesterday afternoon",
        "The new price list will be valid from March",
        "Could you please check the attached drawing again",
        "Our warehouse in Rotterdam is closed during the holidays",
        "The shipment left the port two days later than planned",
        "I would like to visit your factory next spring",
        "Most of our customers prefer the larger version",
        "Please let me know when the goods are ready",
        "The weather here has been cold and rainy all week",
        "She will present the results at the meeting on Friday",
        "We need a faster way to handle these requests",
        "The children spent the whole summer at the lake",
    ],
    "de": [
        "Wir haben Ihre Muster gestern Nachmittag erhalten",
        "Die neue Preisliste gilt ab dem ersten März",
        "Könnten Sie die beigefügte Zeichnung bitte noch einmal prüfen",
        "Unser Lager in Hamburg bleibt über die Feiertage geschlossen",
        "Die Lieferung hat den Hafen zwei Tage später verlassen",
        "Ich würde im Frühjahr gerne Ihr Werk besuchen",
        "Die meisten unserer Kunden bevorzugen die größere Ausführung",
        "Bitte geben Sie mir Bescheid, sobald die Ware fertig ist",
        "Das Wetter war die ganze Woche kalt und regnerisch",
        "Sie stellt die Ergebnisse am Freitag in der Besprechung vor",
        "Wir brauchen einen schnelleren Weg für diese Anfragen",
        "Die Kinder haben den ganzen Sommer am See verbracht",
    ],
    "es": [
        "Recibimos sus muestras ayer por la tarde",
        "La nueva lista de precios será válida a partir de marzo",
        "Podrían revisar otra vez el plano adjunto, por favor",
        "Nuestro almacén de Valencia cierra durante las fiestas",
        "El envío salió del puerto dos días más tarde de lo previsto",
        "Me gustaría visitar su fábrica la próxima primavera",
        "La mayoría de nuestros clientes prefiere la versión grande",
        "Avísenme cuando la mercancía esté lista, por favor",
        "Aquí ha hecho frío y ha llovido toda la semana",
        "Ella presentará los resultados en la reunión del viernes",
        "Necesitamos una forma más rápida de atender estas solicitudes",
        "Los niños pasaron todo el verano junto al lago",
    ],
    "fr": [
        "Nous avons reçu vos échantillons hier après-midi",
        "La nouvelle liste de prix sera valable à partir de mars",
        "Pourriez-vous vérifier encore une fois le plan ci-joint",
        "Notre entrepôt de Lyon est fermé pendant les fêtes",
        "Le navire a quitté le port avec deux jours de retard",
        "J'aimerais visiter votre usine au printemps prochain",
        "La plupart de nos clients préfèrent le grand modèle",
        "Merci de me prévenir dès que la marchandise sera prête",
        "Il a fait froid et il a plu toute la semaine ici",
        "Elle présentera les résultats à la réunion de vendredi",
        "Nous avons besoin d'un moyen plus rapide pour traiter ces demandes",
        "Les enfants ont passé tout l'été au bord du lac",
    ],
    "pt": [
        "Recebemos as suas amostras ontem à tarde",
        "A nova tabela de preços vale a partir de março",
        "Poderiam verificar de novo o desenho em anexo, por favor",
        "O nosso armazém em Lisboa fecha durante as festas",
        "O navio saiu do porto com dois dias de atraso",
        "Gostaria de visitar a vossa fábrica na próxima primavera",
        "A maioria dos nossos clientes prefere a versão maior",
        "Avisem-me quando a mercadoria estiver pronta, por favor",
        "Aqui fez frio e choveu durante a semana inteira",
        "Ela vai apresentar os resultados na reunião de sexta-feira",
        "Precisamos de uma forma mais rápida de tratar estes pedidos",
        "As crianças passaram o verão inteiro junto ao lago",
    ],
    "it": [
        "Abbiamo ricevuto i vostri campioni ieri pomeriggio",
        "Il nuovo listino prezzi sarà valido da marzo",
        "Potreste controllare di nuovo il disegno allegato, per favore",
        "Il nostro magazzino di Milano resta chiuso durante le feste",
        "La nave ha lasciato il porto con due giorni di ritardo",
        "Vorrei visitare il vostro stabilimento la prossima primavera",
        "La maggior parte dei nostri clienti preferisce il modello grande",
        "Fatemi sapere quando la merce sarà pronta, per favore",
        "Qui ha fatto freddo e ha piovuto per tutta la settimana",
        "Lei presenterà i risultati alla riunione di venerdì",
        "Abbiamo bisogno di un modo più veloce per gestire queste richieste",
        "I bambini hanno passato tutta l'estate vicino al lago",
    ],
    "nl": [
        "We hebben uw monsters gisteren ontvangen",
        "De nieuwe prijslijst geldt vanaf maart",
        "Kunt u de bijgevoegde tekening nog eens controleren",
        "Ons magazijn in Utrecht is tijdens de feestdagen gesloten",
        "Het schip vertrok twee dagen later dan gepland uit de haven",
        "Ik wil graag volgend voorjaar uw fabriek bezoeken",
        "De meeste van onze klanten kiezen de grotere uitvoering",
        "Laat het me weten wanneer de goederen klaar zijn",
        "Het was hier de hele week koud en regenachtig",
        "De kinderen hebben de hele zomer bij het meer doorgebracht",
    ],
    "pl": [
        "Wczoraj po południu otrzymaliśmy Państwa próbki",
        "Nowy cennik będzie obowiązywał od marca",
        "Czy mogliby Państwo jeszcze raz sprawdzić załączony rysunek",
        "Nasz magazyn w Poznaniu jest zamknięty w czasie świąt",
        "Statek wypłynął z portu z dwudniowym opóźnieniem",
        "Chciałbym odwiedzić Państwa fabrykę następnej wiosny",
        "Większość naszych klientów woli większą wersję",
        "Proszę dać mi znać, kiedy towar będzie gotowy",
        "Przez cały tydzień było tu zimno i deszczowo",
        "Dzieci spędziły całe lato nad jeziorem",
    ],
    "tr": [
        "Numunelerinizi dün öğleden sonra teslim aldık",
        "Yeni fiyat listesi marttan itibaren geçerli olacak",
        "Ekteki çizimi bir kez daha kontrol edebilir misiniz",
        "İzmir'deki depomuz bayram boyunca kapalı olacak",
        "Gemi limandan planlanandan iki gün geç ayrıldı",
        "Önümüzdeki bahar fabrikanızı ziyaret etmek istiyorum",
        "Müşterilerimizin çoğu büyük modeli tercih ediyor",
        "Mallar hazır olduğunda lütfen bana haber verin",
        "Burada bütün hafta hava soğuk ve yağmurluydu",
        "Toplantıda sonuçları cuma günü o sunacak",
        "Bu talepleri daha hızlı karşılamanın bir yoluna ihtiyacımız var",
        "Çocuklar bütün yazı gölün kenarında geçirdi",
    ],
    "vi": [
        "Chúng tôi đã nhận được mẫu hàng của quý công ty chiều hôm qua",
        "Bảng giá mới sẽ có hiệu lực từ tháng ba",
        "Xin vui lòng kiểm tra lại bản vẽ đính kèm",
        "Kho hàng của chúng tôi đóng cửa trong dịp lễ",
        "Tàu rời cảng chậm hơn hai ngày so với kế hoạch",
        "Tôi muốn đến thăm nhà máy của quý vị vào mùa xuân tới",
        "Xin hãy báo cho tôi khi hàng đã sẵn sàng",
        "Cả tuần nay trời lạnh và mưa nhiều",
    ],
    "ru": [
        "Мы получили ваши образцы вчера после обеда",
        "Новый прайс-лист будет действовать с марта",
        "Не могли бы вы ещё раз проверить приложенный чертёж",
        "Наш склад в Казани закрыт на праздники",
        "Судно вышло из порта на два дня позже плана",
        "Я хотел бы посетить ваш завод следующей весной",
        "Большинство наших клиентов предпочитает большую модель",
        "Пожалуйста, сообщите мне, когда товар будет готов",
        "Всю неделю здесь было холодно и дождливо",
        "Она представит результаты на совещании в пятницу",
        "Нам нужен более быстрый способ обработки этих заявок",
        "Дети провели всё лето на озере",
    ],
    "uk": [
        "Ми отримали ваші зразки вчора після обіду",
        "Новий прайс-лист діятиме з березня",
        "Чи могли б ви ще раз перевірити доданий кресленик",
        "Наш склад у Львові зачинений на свята",
        "Судно вийшло з порту на два дні пізніше, ніж планувалося",
        "Я хотів би відвідати ваш завод наступної весни",
        "Більшість наших клієнтів надає перевагу більшій моделі",
        "Будь ласка, повідомте мене, коли товар буде готовий",
        "Увесь тиждень тут було холодно і дощило",
        "Вона представить результати на нараді в п'ятницю",
        "Нам потрібен швидший спосіб обробляти ці запити",
        "Діти провели все літо біля озера",
        "Дякуємо за швидку відповідь та гарну співпрацю",
        "Рахунок буде сплачено до кінця цього місяця",
        "Ми чекаємо на ваше підтвердження замовлення",
        "Наша компанія працює на ринку вже десять років",
    ],
    "zh": [
        "我们昨天下午收到了贵司的样品",
        "新的价格表从三月开始生效",
        "请再检查一下附件里的图纸",
        "我们的仓库在节假日期间关闭",
        "货船比计划晚了两天离港",
        "我明年春天想去参观你们的工厂",
        "大多数客户更喜欢大号的型号",
        "货物准备好以后请通知我",
    ],
    "ja": [
        "昨日の午後にサンプルを受け取りました",
        "新しい価格表は三月から適用されます",
        "添付の図面をもう一度ご確認いただけますか",
        "弊社の倉庫は休暇中は閉まっております",
        "船は予定より二日遅れて港を出ました",
        "来年の春に御社の工場を訪問したいと思います",
        "商品の準備ができましたらお知らせください",
        "今週はずっと寒くて雨が降っていました",
    ],
    "ko": [
        "어제 오후에 보내주신 샘플을 받았습니다",
        "새 가격표는 삼월부터 적용됩니다",
        "첨부한 도면을 한 번 더 확인해 주시겠어요",
        "저희 창고는 연휴 동안 문을 닫습니다",
        "배가 예정보다 이틀 늦게 항구를 떠났습니다",
        "내년 봄에 귀사 공장을 방문하고 싶습니다",
        "물건이 준비되면 저에게 알려 주세요",
        "이번 주 내내 춥고 비가 왔습니다",
    ],
    "ar": [
        "استلمنا عيناتكم بعد ظهر أمس",
        "ستكون قائمة الأسعار الجديدة سارية من شهر مارس",
        "هل يمكنكم مراجعة الرسم المرفق مرة أخرى",
        "مستودعنا مغلق خلال فترة الأعياد",
        "غادرت السفينة الميناء متأخرة يومين عن الموعد",
        "أود زيارة مصنعكم في الربيع القادم",
        "يرجى إعلامي عندما تكون البضاعة جاهزة",
        "كان الطقس باردا وممطرا طوال الأسبوع",
    ],
    # --- languages the detector does not answer: "other" (or their own code) is right
    "ca": [
        "Vam rebre les vostres mostres ahir a la tarda",
        "La nova llista de preus serà vàlida a partir de març",
        "Podríeu revisar una altra vegada el plànol adjunt",
        "El nostre magatzem de Girona tanca durant les festes",
        "El vaixell va sortir del port amb dos dies de retard",
        "M'agradaria visitar la vostra fàbrica la primavera vinent",
        "La majoria dels nostres clients prefereix la versió gran",
        "Aviseu-me quan la mercaderia estigui a punt, si us plau",
        "Aquí ha fet fred i ha plogut tota la setmana",
        "Els nens van passar tot l'estiu a prop del llac",
        "Necessitem una manera més ràpida de gestionar aquestes peticions",
        "Ella presentarà els resultats a la reunió de divendres",
    ],
    "gl": [
        "Recibimos as vosas mostras onte pola tarde",
        "A nova lista de prezos será válida a partir de marzo",
        "Poderiades revisar outra vez o plano que vai anexo",
        "O noso almacén de Vigo pecha durante as festas",
        "O barco saíu do porto con dous días de atraso",
        "Gustaríame visitar a vosa fábrica na próxima primavera",
        "A maioría dos nosos clientes prefire a versión grande",
        "Avisádeme cando a mercadoría estea lista, por favor",
        "Aquí fixo frío e choveu durante toda a semana",
        "Os nenos pasaron todo o verán xunto ao lago",
        "Necesitamos unha maneira máis rápida de atender estas peticións",
        "Ela presentará os resultados na xuntanza do venres",
    ],
    "sk": [
        "Vaše vzorky sme dostali včera popoludní",
        "Nový cenník bude platiť od marca",
        "Mohli by ste ešte raz skontrolovať priložený výkres",
        "Náš sklad v Košiciach je počas sviatkov zatvorený",
        "Loď opustila prístav o dva dni neskôr, než bolo v pláne",
        "Budúcu jar by som rád navštívil vašu továreň",
        "Väčšina našich zákazníkov uprednostňuje väčší model",
        "Dajte mi prosím vedieť, keď bude tovar pripravený",
        "Celý týždeň tu bolo chladno a daždivo",
        "Deti strávili celé leto pri jazere",
        "Potrebujeme rýchlejší spôsob, ako vybavovať tieto požiadavky",
        "Výsledky predstaví na stretnutí v piatok",
    ],
    "hr": [
        "Vaše uzorke primili smo jučer poslijepodne",
        "Novi cjenik vrijedi od ožujka",
        "Možete li još jednom provjeriti priloženi nacrt",
        "Naše skladište u Splitu zatvoreno je tijekom blagdana",
        "Brod je isplovio iz luke dva dana kasnije nego što je planirano",
        "Sljedećeg proljeća želio bih posjetiti vašu tvornicu",
        "Većina naših kupaca radije bira veći model",
        "Molim vas javite mi kada roba bude spremna",
        "Cijeli tjedan ovdje je bilo hladno i kišovito",
        "Djeca su cijelo ljeto provela pokraj jezera",
        "Trebamo brži način za rješavanje ovih zahtjeva",
        "Ona će predstaviti rezultate na sastanku u petak",
    ],
    "sl": [
        "Vaše vzorce smo prejeli včeraj popoldne",
        "Novi cenik bo veljal od marca naprej",
        "Ali bi lahko še enkrat preverili priloženo risbo",
        "Naše skladišče v Mariboru je med prazniki zaprto",
        "Ladja je iz pristanišča odplula dva dni pozneje, kot je bilo načrtovano",
        "Prihodnjo pomlad bi rad obiskal vašo tovarno",
        "Večina naših strank ima raje večji model",
        "Prosim, sporočite mi, ko bo blago pripravljeno",
        "Ves teden je bilo tukaj hladno in deževno",
        "Otroci so celo poletje preživeli ob jezeru",
    ],
    "eu": [
        "Zuen laginak atzo arratsaldean jaso genituen",
        "Prezio zerrenda berria martxotik aurrera izango da baliozkoa",
        "Erantsitako planoa berriro begiratu al dezakezue",
        "Gure biltegia itxita egongo da jaietan",
        "Itsasontziak bi egun beranduago utzi zuen portua",
        "Datorren udaberrian zuen lantegia bisitatu nahiko nuke",
        "Bezero gehienek bertsio handiagoa nahiago dute",
        "Mesedez, abisatu salgaiak prest daudenean",
        "Aste osoan hotz egin du eta euria egin du",
        "Haurrek uda osoa aintziraren ondoan igaro zuten",
    ],
    "be": [
        "Мы атрымалі вашы ўзоры ўчора пасля абеду",
        "Новы прайс-ліст будзе дзейнічаць з сакавіка",
        "Ці маглі б вы яшчэ раз праверыць далучаны чарцёж",
        "Наш склад у Гродне зачынены на святы",
        "Судна выйшла з порта на два дні пазней, чым планавалася",
        "Я хацеў бы наведаць ваш завод наступнай вясной",
        "Большасць нашых кліентаў аддае перавагу большай мадэлі",
        "Калі ласка, паведаміце мне, калі тавар будзе гатовы",
        "Увесь тыдзень тут было холадна і дажджліва",
        "Дзеці правялі ўсё лета каля возера",
    ],
    "af": [
        "Ons het julle monsters gister middag ontvang",
        "Die nuwe pryslys sal vanaf Maart geldig wees",
        "Kan julle asseblief weer na die aangehegte tekening kyk",
        "Ons pakhuis in Kaapstad is gedurende die vakansie gesluit",
        "Die skip het die hawe twee dae later as beplan verlaat",
        "Ek wil graag volgende lente julle fabriek besoek",
        "Die meeste van ons kliënte verkies die groter weergawe",
        "Laat my asseblief weet wanneer die goedere gereed is",
        "Dit was die hele week koud en reënerig hier",
        "Die kinders het die hele somer by die meer deurgebring",
    ],
}
UNSUPPORTED = ("ca", "gl", "sk", "hr", "sl", "eu", "be", "af")
OUT = Path(tempfile.gettempdir()) / "mailagent-langid-sentences.jsonl"


def generate(pairs: int, seed: int) -> list[dict[str, str]]:
    """Every clause as a sentence, plus ``pairs`` joined pairs per language."""
    rng = random.Random(seed)
    rows = []
    for lang, clauses in CLAUSES.items():
        for text in clauses:
            rows.append({"text": f"{text}.", "lang": lang, "kind": "sentence"})
        joiner = AND[lang]
        for _ in range(pairs):
            a, b = rng.sample(clauses, 2)
            glue = joiner if lang in ("zh", "ja") else f", {joiner} "
            second = b if lang in ("de", "zh", "ja", "ko", "ar") else b[0].lower() + b[1:]
            rows.append({"text": f"{a}{glue}{second}.", "lang": lang, "kind": "sentence"})
    for row in rows:
        row["source"] = "mailagent-handwritten"
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    rows = generate(args.pairs, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} sentences in {len(CLAUSES)} languages to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
