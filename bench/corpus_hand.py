"""Hand-written whole messages for the intent training corpus (see make_intent_corpus.py).

Longer, realistic mails, including the hard cases where words of one intent appear in
another (a complaint that quotes a PO number, an order that mentions the quotation, a card
that is "ordered" but is account administration). Tuples are (lang, label, subject, body).
Written for this project; nothing is taken from any evaluation set.
"""

# ruff: noqa: E501  (template data: one message per line reads better than wrapped)

from __future__ import annotations

HAND: list[tuple[str, str, str, str]] = [
    (
        "en",
        "order",
        "Re: Quotation Q-2231",
        "Hi Lisa, thanks for the quotation. We accept the price of USD 0.82/pc and will issue "
        "the PO for 5,000 pcs tomorrow. Please reserve the material.",
    ),
    (
        "en",
        "complaint",
        "PO 45001 - boards failing",
        "Dear team, about 8% of the boards delivered under PO 45001 fail the ICT test with "
        "shorts between the inner layers. We have stopped the line. Please send someone to "
        "analyse and tell us how you will compensate the scrap.",
    ),
    (
        "en",
        "inquiry",
        "New project - quote needed",
        "Hello, we are designing a motor controller for an e-bike. Could you quote 2,000 and "
        "5,000 sets of the PCBA per the attached BOM and Gerbers? Also let us know whether you "
        "can source the MCU.",
    ),
    (
        "en",
        "payment",
        "Deposit for PI-2026-031",
        "Dear Kevin, our finance department released the 30% deposit this morning. The SWIFT "
        "copy is attached. Please confirm once the money arrives and start the production.",
    ),
    (
        "en",
        "other",
        "",
        "I ordered a new debit card two weeks ago and it still hasn't come. Can you check where "
        "it is?",
    ),
    ("en", "other", "", "I need a second card for my partner, how can I get one?"),
    (
        "en",
        "payment",
        "",
        "I bought something online last week and the shop says the payment never arrived, but "
        "the money is gone from my account.",
    ),
    (
        "en",
        "complaint",
        "",
        "I returned the jacket three weeks ago and I still haven't got my refund. This is "
        "ridiculous.",
    ),
    (
        "en",
        "order",
        "",
        "I placed an order yesterday but I put the wrong house number. Can you fix the address "
        "before it ships?",
    ),
    ("en", "inquiry", "", "Hi, do you deliver to Ireland and how much is shipping?"),
    ("en", "payment", "", "Can I pay for my order with a gift card and a credit card together?"),
    (
        "en",
        "order",
        "",
        "I want to order the blue version but it's not on the site, can you add it to my order?",
    ),
    ("en", "other", "", "How do I update my home address in the app?"),
    (
        "en",
        "payment",
        "Re: invoice INV-7702",
        "Hi, we checked invoice INV-7702 and the freight is charged twice. Please issue a "
        "corrected invoice, then we will pay within the week.",
    ),
    (
        "en",
        "order",
        "Shipment",
        "Good morning, is our order ready to ship? Our forwarder can pick up on Thursday. "
        "Please send the packing list and the commercial invoice in advance.",
    ),
    (
        "en",
        "complaint",
        "Late again",
        "This is the third shipment in a row that arrives late. Our customer is threatening to "
        "cancel. We need a firm commitment on delivery dates or we will move the business.",
    ),
    (
        "en",
        "inquiry",
        "",
        "Are your boards UL certified? We need the UL file number for our approval.",
    ),
    (
        "en",
        "other",
        "Holiday",
        "Dear partners, please note our office is closed from 1 to 7 October for the National "
        "Day holiday. Urgent matters: call our mobile.",
    ),
    ("en", "other", "", "Hi, I just wanted to say thanks, the issue is solved now."),
    (
        "en",
        "payment",
        "",
        "I transferred money to a friend in Spain three days ago and she still has nothing. "
        "Where is it?",
    ),
    ("en", "payment", "", "Why did you charge me a fee when I paid in euros?"),
    ("en", "other", "", "My card got stuck in the cash machine this morning, what should I do?"),
    ("en", "other", "", "Is it possible to have a card with a different design?"),
    (
        "zh",
        "order",
        "回复：报价",
        "李经理你好，报价收到了，价格可以接受。我们明天下采购订单，5000片，请提前备料。",
    ),
    (
        "zh",
        "complaint",
        "关于订单45001的质量问题",
        "你好，上批货有大约8%的板子测试不通过，内层短路，我们的生产线已经停了，请尽快派人来分析并给出赔偿方案。",
    ),
    (
        "zh",
        "payment",
        "定金",
        "你好，30%定金今天上午已经付了，附件是银行水单，请确认到账后安排生产。",
    ),
    (
        "zh",
        "inquiry",
        "新项目",
        "你好，我们在开发一款电动车控制器，请按附件BOM和Gerber报2000套和5000套的PCBA价格。",
    ),
    (
        "de",
        "order",
        "AW: Angebot Q-2231",
        "Hallo Frau Li, vielen Dank für das Angebot. Wir akzeptieren den Preis und senden morgen "
        "die Bestellung über 5.000 Stück.",
    ),
    (
        "de",
        "complaint",
        "Bestellung 45001 - Ausfälle",
        "Sehr geehrte Damen und Herren, etwa 8 % der gelieferten Platinen fallen im Test wegen "
        "Kurzschlüssen aus. Wir erwarten eine Stellungnahme und eine Gutschrift.",
    ),
    (
        "de",
        "payment",
        "Anzahlung",
        "Die Anzahlung von 30 % wurde heute überwiesen, der Beleg liegt bei.",
    ),
    (
        "es",
        "order",
        "RE: Cotización Q-2231",
        "Hola, gracias por la cotización. Aceptamos el precio y mañana enviamos la orden de "
        "compra por 5.000 piezas.",
    ),
    (
        "es",
        "complaint",
        "",
        "Devolví el producto hace tres semanas y todavía no me han devuelto el dinero.",
    ),
    (
        "es",
        "payment",
        "",
        "Hice una transferencia hace tres días y el destinatario todavía no la ha recibido.",
    ),
    (
        "fr",
        "order",
        "RE : Devis Q-2231",
        "Bonjour, merci pour le devis. Nous acceptons le prix et vous enverrons le bon de "
        "commande pour 5 000 pièces demain.",
    ),
    (
        "fr",
        "complaint",
        "",
        "J'ai renvoyé l'article il y a trois semaines et je n'ai toujours pas été remboursé.",
    ),
    (
        "pt",
        "order",
        "RE: Cotação Q-2231",
        "Olá, obrigado pela cotação. Aceitamos o preço e enviaremos amanhã a ordem de compra de "
        "5.000 peças.",
    ),
    ("pt", "payment", "", "Fiz uma transferência há três dias e o destinatário ainda não recebeu."),
    (
        "it",
        "order",
        "R: Offerta Q-2231",
        "Buongiorno, grazie per l'offerta. Accettiamo il prezzo e domani invieremo l'ordine per "
        "5.000 pezzi.",
    ),
    (
        "ru",
        "order",
        "RE: Коммерческое предложение",
        "Добрый день, спасибо за предложение. Цена нас устраивает, завтра пришлем заказ на 5000 шт.",
    ),
    (
        "ja",
        "order",
        "Re: お見積もりの件",
        "お見積もりありがとうございます。価格に問題ありませんので、明日5000枚の注文書をお送りします。",
    ),
    # Purchase orders that state their payment terms are orders, not payment matters.
    (
        "en",
        "order",
        "PO 70315 - 4-layer boards",
        "Please find attached our purchase order 70315 for 3,000 pcs. Payment terms: 30% T/T "
        "deposit, balance against copy of B/L. Please send the PI for the deposit.",
    ),
    (
        "en",
        "order",
        "Purchase order for MCPCB",
        "Attached is our PO for 10,000 pcs at the quoted price. Payment by irrevocable L/C at "
        "sight; please confirm the delivery date and send your bank details for the L/C.",
    ),
    (
        "zh",
        "order",
        "采购订单 CG-2231",
        "附件是我们的采购订单，数量 5000 片，单价按报价。付款方式：30% 定金，余款发货前付清。"
        "请回传 PI 和订单确认。",
    ),
    (
        "zh",
        "order",
        "",
        "正式下单，采购单见附件。付款条件：信用证即期，交期请确认。",
    ),
    (
        "es",
        "order",
        "Orden de compra OC-3310",
        "Adjunto la orden de compra OC-3310 por 8.000 unidades. Forma de pago: carta de crédito "
        "a la vista. Favor enviar la factura proforma.",
    ),
    (
        "de",
        "order",
        "Bestellung 4400221",
        "anbei unsere Bestellung 4400221 über 2.500 Stück. Zahlungsbedingungen: 30 % Anzahlung, "
        "Rest vor Versand. Bitte senden Sie uns die Auftragsbestätigung.",
    ),
    (
        "ja",
        "order",
        "注文書送付のご案内",
        "注文書を添付いたします。支払条件は前金30%、残金は出荷前にお支払いします。納期のご確認をお願いします。",
    ),
    # A deposit paid against a PI is a payment, even though it quotes the order.
    (
        "en",
        "payment",
        "Deposit paid - PI 2231",
        "We remitted the 30% deposit for PI 2231 (our PO 70315) today. The bank slip is "
        "attached; please confirm receipt.",
    ),
    (
        "zh",
        "payment",
        "定金已付",
        "PI 2231 的 30% 定金今天已电汇，水单见附件，请查收并安排生产。",
    ),
    (
        "de",
        "payment",
        "Zahlungsavis Anzahlung",
        "wir haben heute die Anzahlung für Ihre Proforma-Rechnung angewiesen. Das Zahlungsavis "
        "finden Sie im Anhang.",
    ),
    # Meeting invitations are neither complaints nor orders, whatever the agenda lists.
    (
        "en",
        "other",
        "Invitation: quarterly business review",
        "Hi all, here is the invitation for our quarterly review call. Agenda: delivery "
        "performance, open claims and their 8D status, forecast for next year, pricing.",
    ),
    (
        "en",
        "other",
        "Meeting next Tuesday",
        "Could we set up a video call next Tuesday at 9:00 to go through the new project "
        "schedule? I will send a calendar invite.",
    ),
    # Engineering questions about a design are inquiries.
    (
        "en",
        "inquiry",
        "Question on stackup",
        "Could you send the stackup with the calculated impedance per layer? Is the 100 ohm "
        "pair on L3 referenced to L2 and L4? We also want an extra impedance coupon.",
    ),
    (
        "en",
        "inquiry",
        "DFM question",
        "Your engineer asked about the via in pad on U5. Can you fill and cap those vias, and "
        "what minimum annular ring do you need for 0.2 mm drills?",
    ),
    (
        "zh",
        "inquiry",
        "叠层确认",
        "请发一下最终叠层和每层的阻抗计算结果，差分线 90 欧的线宽是否需要调整？",
    ),
    # Japanese quality complaints.
    (
        "ja",
        "complaint",
        "品質異常のご連絡",
        "納入品の受入検査で導通不良（ショート）が見つかりました。原因調査と対策書の提出、代替品の手配をお願いします。",
    ),
    (
        "ja",
        "complaint",
        "不具合のご連絡",
        "実装後に剥離が発生し、不良品が多数出ています。返品と再発防止策についてご回答ください。",
    ),
]
