"""Shared question frames x intent topics, for the intent training corpus.

Customers wrap every intent in the same polite request: "Could you please provide details
on ...", "Ich möchte mich nach ... erkundigen", "Je souhaiterais des informations sur ...".
What the mail is about is the topic inside the frame: the billing options of a subscription
(payment), an exchange of a faulty unit (complaint), the status of an order (order), an
outage of a system or a staff matter (other), a product or service one may buy (inquiry).
Each language has :data:`FRAMES` (``ask``: sentences with ``{t}``; ``subj``: subject lines
with ``{s}``) and :data:`TOPICS` per intent, ``(subject noun phrase, in-sentence phrase)``.
``make_intent_corpus.py`` crosses them, so every frame occurs with every intent and the
model learns the frame says nothing and the topic decides. Written for this project;
nothing is taken from any evaluation set. Same mini-syntax as ``corpus_en.py``.
"""

# ruff: noqa: E501  (template data: one sentence per line)

from __future__ import annotations

Topic = tuple[str, str]

# Preposition + article contractions, applied after a topic is put into a frame
# ("à propos de le statut" -> "à propos du statut", "su la gamma" -> "sulla gamma").
CONTRACTIONS: dict[str, list[tuple[str, str]]] = {
    "fr": [
        (r"\bde le\b", "du"),
        (r"\bde les\b", "des"),
        (r"\bà le\b", "au"),
        (r"\bà les\b", "aux"),
    ],
    "pt": [
        (r"\bde o\b", "do"),
        (r"\bde a\b", "da"),
        (r"\bde os\b", "dos"),
        (r"\bde as\b", "das"),
        (r"\bem o\b", "no"),
        (r"\bem a\b", "na"),
    ],
    "it": [
        (r"\bsu il\b", "sul"),
        (r"\bsu lo\b", "sullo"),
        (r"\bsu la\b", "sulla"),
        (r"\bsu i\b", "sui"),
        (r"\bsu gli\b", "sugli"),
        (r"\bsu le\b", "sulle"),
        (r"\bsu l'", "sull'"),
        (r"\ba il\b", "al"),
        (r"\ba lo\b", "allo"),
        (r"\ba la\b", "alla"),
        (r"\ba i\b", "ai"),
        (r"\ba gli\b", "agli"),
        (r"\ba le\b", "alle"),
        (r"\ba l'", "all'"),
        (r"\bdi il\b", "del"),
        (r"\bdi la\b", "della"),
        (r"\bdi i\b", "dei"),
    ],
}

FRAMES: dict[str, dict[str, list[str]]] = {
    "en": {
        "ask": [
            "Could you please provide detailed information regarding {t}?",
            "I am writing to inquire about {t}.",
            "I would like to know more about {t}.",
            "Is it possible to get details on {t}?",
            "Can you explain {t}?",
            "I am reaching out to ask about {t}.",
            "We would appreciate your help with {t}.",
            "Please advise on {t}.",
            "I have a question regarding {t}.",
            "Kindly send us information about {t}.",
        ],
        "subj": [
            "Question about {s}",
            "Inquiry regarding {s}",
            "Request: {s}",
            "{s}",
            "Information on {s}",
            "Help with {s}",
        ],
    },
    "de": {
        "ask": [
            "Könnten Sie mir bitte ausführliche Informationen zu {t} geben?",
            "Ich möchte mich nach {t} erkundigen.",
            "Ich schreibe Ihnen wegen {t}.",
            "Wir bitten um Ihre Unterstützung bei {t}.",
            "Ich hätte eine Frage zu {t}.",
            "Bitte teilen Sie uns Näheres zu {t} mit.",
            "Ich wende mich an Sie bezüglich {t}.",
        ],
        "subj": [
            "Anfrage zu {s}",
            "Frage zu {s}",
            "{s}",
            "Bitte um Informationen: {s}",
            "Unterstützung bei {s}",
        ],
    },
    "es": {
        "ask": [
            "¿Podrían proporcionarme información detallada sobre {t}?",
            "Les escribo para consultar sobre {t}.",
            "Me gustaría saber más sobre {t}.",
            "Agradecería su ayuda con {t}.",
            "¿Pueden explicarme {t}?",
            "Tengo una pregunta sobre {t}.",
            "Les contacto en relación con {t}.",
        ],
        "subj": [
            "Consulta sobre {s}",
            "Solicitud: {s}",
            "{s}",
            "Pregunta sobre {s}",
            "Ayuda con {s}",
        ],
    },
    "fr": {
        "ask": [
            "Pourriez-vous me fournir des informations détaillées sur {t} ?",
            "Je vous écris au sujet de {t}.",
            "Je souhaiterais en savoir plus sur {t}.",
            "Nous aurions besoin de votre aide concernant {t}.",
            "Pouvez-vous m'expliquer {t} ?",
            "J'ai une question concernant {t}.",
            "Je me permets de vous contacter à propos de {t}.",
        ],
        "subj": [
            "Demande concernant {s}",
            "Question sur {s}",
            "{s}",
            "Demande d'assistance : {s}",
            "Informations sur {s}",
        ],
    },
    "pt": {
        "ask": [
            "Poderiam fornecer informações detalhadas sobre {t}?",
            "Escrevo para perguntar sobre {t}.",
            "Gostaria de saber mais sobre {t}.",
            "Agradeço a ajuda de vocês com {t}.",
            "Podem me explicar {t}?",
            "Tenho uma dúvida sobre {t}.",
            "Entro em contato a respeito de {t}.",
        ],
        "subj": [
            "Dúvida sobre {s}",
            "Solicitação: {s}",
            "{s}",
            "Pedido de informações: {s}",
            "Ajuda com {s}",
        ],
    },
    "it": {
        "ask": [
            "Potreste fornirmi informazioni dettagliate su {t}?",
            "Vi scrivo in merito a {t}.",
            "Vorrei sapere di più su {t}.",
            "Vi chiediamo supporto per {t}.",
            "Potete spiegarmi {t}?",
            "Ho una domanda riguardo a {t}.",
        ],
        "subj": ["Richiesta relativa a {s}", "Domanda su {s}", "{s}", "Informazioni su {s}"],
    },
    "ru": {
        "ask": [
            "Не могли бы вы предоставить подробную информацию о {t}?",
            "Пишу вам по поводу {t}.",
            "Хотел бы узнать больше о {t}.",
            "Просим помочь нам с вопросом о {t}.",
            "У меня вопрос о {t}.",
        ],
        "subj": ["Вопрос о {s}", "Запрос: {s}", "{s}"],
    },
    "zh": {
        "ask": [
            "能否请您提供关于{t}的详细信息？",
            "我写信是想咨询一下{t}。",
            "想进一步了解{t}。",
            "请协助我们处理{t}。",
            "关于{t}，我有一个问题。",
        ],
        "subj": ["关于{s}的咨询", "{s}", "请教：{s}"],
    },
    "ja": {
        "ask": [
            "{t}について詳しく教えていただけますか。",
            "{t}についてお伺いしたく、ご連絡いたしました。",
            "{t}についてご確認をお願いいたします。",
            "{t}について質問があります。",
        ],
        "subj": ["{s}について", "{s}のお問い合わせ", "{s}"],
    },
    "ko": {
        "ask": [
            "{t}에 대해 자세한 정보를 주실 수 있을까요?",
            "{t} 관련하여 문의드립니다.",
            "{t}에 대해 더 알고 싶습니다.",
            "{t} 건으로 도움을 요청드립니다.",
        ],
        "subj": ["{s} 문의", "{s} 관련", "{s}"],
    },
    "ar": {
        "ask": [
            "هل يمكنكم تزويدي بمعلومات مفصلة حول {t}؟",
            "أكتب إليكم للاستفسار عن {t}.",
            "أود معرفة المزيد عن {t}.",
            "نرجو مساعدتكم بخصوص {t}.",
        ],
        "subj": ["استفسار بخصوص {s}", "{s}", "طلب: {s}"],
    },
    "tr": {
        "ask": [
            "{t} hakkında ayrıntılı bilgi verebilir misiniz?",
            "{t} konusunda bilgi almak için yazıyorum.",
            "{t} hakkında daha fazla bilgi edinmek istiyorum.",
            "{t} konusunda yardımınızı rica ediyoruz.",
        ],
        "subj": ["{s} hakkında", "{s} ile ilgili soru", "{s}"],
    },
}

TOPICS: dict[str, dict[str, list[Topic]]] = {
    "en": {
        "inquiry": [
            ("Product range", "your product range and the models you can supply"),
            ("Consulting services", "your consulting services for companies of our size"),
            ("{product} specifications", "the specifications and options of the {product}"),
            ("Samples", "samples of the {product} before we decide"),
            (
                "Digital marketing services",
                "the marketing services you offer to grow a brand online",
            ),
            (
                "Analytics solutions",
                "your data analytics solutions and what they can do for our team",
            ),
            (
                "Lead time and MOQ",
                "the minimum order quantity and lead time for {qty} pcs of {product}",
            ),
            ("Quotation", "a quotation for {qty} units of {product}"),
            ("Integration options", "whether your platform can be integrated with our CRM"),
            ("Service packages", "the service packages you offer and what each includes"),
        ],
        "order": [
            ("Order status", "the status of our order {po}"),
            ("Delivery address change", "changing the delivery address for order {po}"),
            ("Order cancellation", "cancelling order {po} that we placed last week"),
            ("Shipment tracking", "the tracking number for the shipment of order {po}"),
            ("Purchase order", "the purchase order {po} we sent you for {qty} pcs"),
            (
                "Order confirmation",
                "the order confirmation for PO {po}, which we have not received",
            ),
        ],
        "complaint": [
            ("Exchange request", "exchanging the faulty {item} we bought from you"),
            ("Return and refund", "returning the damaged goods and getting a refund"),
            (
                "Defective unit",
                "the defective unit we received, which stopped working after two days",
            ),
            ("Replacement", "a replacement for the broken {item}"),
            ("Warranty claim", "a warranty claim for the device that keeps failing"),
            ("Wrong goods delivered", "the wrong items that were delivered instead of our order"),
            ("Delayed refund", "the refund for my returned item, which I still have not received"),
        ],
        "payment": [
            ("Billing options", "the billing options for our subscription"),
            ("Payment methods", "the payment methods you accept"),
            ("Invoice discrepancy", "an incorrect amount on invoice {inv}"),
            ("Unexpected charges", "the unexpected charges on our account this month"),
            ("Billing plans", "the billing plans and how the charges change if we upgrade"),
            ("Payment confirmation", "whether our transfer for invoice {inv} has arrived"),
            ("Double charge", "a payment that was charged twice to our card"),
            ("Billing cycle", "the billing cycle and the due date of our monthly fees"),
        ],
        "other": [
            ("Server outage", "the server outage that stopped our monitoring system this morning"),
            (
                "Software crash",
                "the analytics software that crashes whenever we load large data sets",
            ),
            ("Password reset", "resetting the password of my user account"),
            ("Employee onboarding", "the onboarding process for our new employees"),
            ("Training request", "the training schedule for our staff"),
            ("Network problem", "the network configuration problem that triggers constant alerts"),
            ("Security incident", "the security incident reported on our customer portal"),
            ("Vacation policy", "the vacation policy and how to submit a leave request"),
            ("Account access", "access to the admin account for a new colleague"),
        ],
    },
    "de": {
        "inquiry": [
            ("Produktsortiment", "Ihrem Produktsortiment und den lieferbaren Modellen"),
            ("Beratungsleistungen", "Ihren Beratungsleistungen für mittelständische Unternehmen"),
            ("Angebotsanfrage {product}", "einem Angebot für {qty} Stück {product}"),
            ("Muster", "Mustern des {product} vor unserer Entscheidung"),
            (
                "Marketingdienstleistungen",
                "Ihren Dienstleistungen im digitalen Marketing zur Markenentwicklung",
            ),
            ("Datenanalyse-Lösungen", "Ihren Datenanalyse-Lösungen und deren Möglichkeiten"),
            ("Lieferzeit und Mindestmenge", "der Lieferzeit und Mindestbestellmenge für {product}"),
            ("Leistungspakete", "den angebotenen Leistungspaketen und deren Umfang"),
        ],
        "order": [
            ("Bestellstatus", "dem Status unserer Bestellung {po}"),
            ("Lieferadresse ändern", "der Änderung der Lieferadresse für die Bestellung {po}"),
            ("Stornierung", "der Stornierung unserer Bestellung {po}"),
            ("Sendungsverfolgung", "der Sendungsnummer für die Lieferung zur Bestellung {po}"),
            ("Auftragsbestätigung", "der Auftragsbestätigung zu unserer Bestellung {po}"),
        ],
        "complaint": [
            (
                "Produktumtausch",
                "dem Umtausch des defekten Geräts, das wir bei Ihnen gekauft haben",
            ),
            (
                "Rücksendung und Erstattung",
                "der Rücksendung der beschädigten Ware und der Rückerstattung",
            ),
            ("Reklamation", "unserer Reklamation wegen fehlerhafter Teile"),
            ("Ersatzlieferung", "einer Ersatzlieferung für das kaputte {item}"),
            ("Garantiefall", "einem Garantiefall für das Gerät, das ständig ausfällt"),
            (
                "Falschlieferung",
                "der Falschlieferung, die wir statt unserer Bestellung erhalten haben",
            ),
        ],
        "payment": [
            ("Abrechnungsoptionen", "den Abrechnungsoptionen für unser Abonnement"),
            ("Zahlungsmethoden", "den akzeptierten Zahlungsmethoden"),
            ("Rechnungsabweichung", "einer Rechnungsabweichung auf der Rechnung {inv}"),
            ("Unerwartete Gebühren", "unerwarteten Gebühren auf unserem Konto"),
            ("Abrechnungspläne", "den Abrechnungsplänen und Zahlungsmodalitäten"),
            ("Zahlungseingang", "dem Zahlungseingang unserer Überweisung zur Rechnung {inv}"),
            ("Doppelte Abbuchung", "einer doppelten Abbuchung von unserer Kreditkarte"),
            ("Zahlungserinnerung", "Ihrer Zahlungserinnerung zur Rechnung {inv}"),
        ],
        "other": [
            ("Serverausfall", "dem Serverausfall, der unser Überwachungssystem lahmgelegt hat"),
            ("Softwareabsturz", "der Analysesoftware, die bei großen Datenmengen abstürzt"),
            ("Passwort zurücksetzen", "dem Zurücksetzen des Passworts für mein Benutzerkonto"),
            ("Einarbeitung", "dem Einarbeitungsprozess für neue Mitarbeiter"),
            ("Schulung", "dem Schulungsplan für unser Personal"),
            ("Netzwerkproblem", "dem Netzwerkproblem, das ständig Alarmmeldungen auslöst"),
            ("Sicherheitsvorfall", "dem Sicherheitsvorfall in unserem System"),
            ("Urlaubsantrag", "der Urlaubsregelung und dem Einreichen eines Urlaubsantrags"),
        ],
    },
    "es": {
        "inquiry": [
            ("Catálogo de productos", "su catálogo de productos y los modelos disponibles"),
            ("Servicios de consultoría", "sus servicios de consultoría para empresas medianas"),
            ("Cotización", "una cotización para {qty} unidades de {product}"),
            ("Muestras", "muestras del {product} antes de decidir"),
            (
                "Servicios de marketing",
                "los servicios de marketing digital que ofrecen para hacer crecer una marca",
            ),
            ("Plazo de entrega", "el plazo de entrega y la cantidad mínima para {product}"),
        ],
        "order": [
            ("Estado del pedido", "el estado de nuestro pedido {po}"),
            ("Cambio de dirección", "el cambio de la dirección de entrega del pedido {po}"),
            ("Cancelación", "la cancelación del pedido {po}"),
            ("Seguimiento del envío", "el número de seguimiento del envío del pedido {po}"),
        ],
        "complaint": [
            ("Solicitud de cambio", "el cambio de la impresora defectuosa que compramos"),
            ("Devolución y reembolso", "la devolución de la mercancía dañada y el reembolso"),
            ("Reclamación", "nuestra reclamación por piezas defectuosas"),
            ("Reemplazo", "un reemplazo para el {item} roto"),
            ("Garantía", "la garantía del equipo que falla constantemente"),
        ],
        "payment": [
            ("Opciones de facturación", "las opciones de facturación de nuestra suscripción"),
            ("Métodos de pago", "los métodos de pago que aceptan"),
            ("Error en la factura", "un importe incorrecto en la factura {inv}"),
            ("Cargos inesperados", "los cargos inesperados en nuestra cuenta"),
            ("Confirmación de pago", "si ha llegado nuestra transferencia de la factura {inv}"),
            ("Cobro duplicado", "un cobro duplicado en nuestra tarjeta"),
        ],
        "other": [
            ("Caída del servidor", "la caída del servidor que detuvo nuestro sistema de monitoreo"),
            ("Fallo del software", "el software de análisis que se bloquea con muchos datos"),
            (
                "Restablecer contraseña",
                "el restablecimiento de la contraseña de mi cuenta de usuario",
            ),
            ("Incorporación de empleados", "el proceso de incorporación de nuevos empleados"),
            ("Formación", "el calendario de formación de nuestro personal"),
            ("Problema de red", "el problema de red que genera alertas constantes"),
        ],
    },
    "fr": {
        "inquiry": [
            ("Gamme de produits", "votre gamme de produits et les modèles disponibles"),
            ("Services de conseil", "vos services de conseil pour les PME"),
            ("Devis", "un devis pour {qty} unités de {product}"),
            ("Échantillons", "des échantillons du {product} avant notre décision"),
            (
                "Services marketing",
                "vos services de marketing numérique pour développer une marque",
            ),
            ("Délai de livraison", "le délai de livraison et la quantité minimale pour {product}"),
        ],
        "order": [
            ("Statut de commande", "le statut de notre commande {po}"),
            (
                "Changement d'adresse",
                "la modification de l'adresse de livraison de la commande {po}",
            ),
            ("Annulation", "l'annulation de la commande {po}"),
            ("Suivi d'expédition", "le numéro de suivi de l'expédition de la commande {po}"),
        ],
        "complaint": [
            ("Échange de produit", "l'échange de l'appareil défectueux acheté chez vous"),
            (
                "Retour et remboursement",
                "le retour de la marchandise endommagée et son remboursement",
            ),
            ("Réclamation", "notre réclamation pour des pièces défectueuses"),
            ("Remplacement", "le remplacement du {item} cassé"),
            ("Garantie", "la garantie de l'appareil qui tombe sans cesse en panne"),
        ],
        "payment": [
            ("Options de facturation", "les options de facturation de notre abonnement"),
            ("Moyens de paiement", "les moyens de paiement que vous acceptez"),
            ("Erreur de facture", "un montant incorrect sur la facture {inv}"),
            ("Frais inattendus", "des frais inattendus sur notre compte"),
            ("Confirmation de paiement", "la réception de notre virement pour la facture {inv}"),
            ("Double prélèvement", "un double prélèvement sur notre carte"),
        ],
        "other": [
            ("Panne de serveur", "la panne de serveur qui a arrêté notre système de surveillance"),
            (
                "Plantage du logiciel",
                "le logiciel d'analyse qui plante avec de gros volumes de données",
            ),
            ("Mot de passe", "la réinitialisation du mot de passe de mon compte utilisateur"),
            ("Intégration des employés", "le processus d'intégration des nouveaux employés"),
            ("Formation", "le planning de formation de notre personnel"),
            ("Problème réseau", "le problème réseau qui déclenche des alertes en continu"),
        ],
    },
    "pt": {
        "inquiry": [
            ("Linha de produtos", "sua linha de produtos e os modelos disponíveis"),
            ("Serviços de consultoria", "seus serviços de consultoria para empresas médias"),
            ("Cotação", "uma cotação para {qty} unidades de {product}"),
            ("Amostras", "amostras do {product} antes da nossa decisão"),
            ("Serviços de marketing", "os serviços de marketing digital para crescimento de marca"),
        ],
        "order": [
            ("Status do pedido", "o status do nosso pedido {po}"),
            ("Alteração de endereço", "a alteração do endereço de entrega do pedido {po}"),
            ("Cancelamento", "o cancelamento do pedido {po}"),
            ("Rastreamento", "o código de rastreamento do envio do pedido {po}"),
        ],
        "complaint": [
            ("Solicitação de troca", "a troca da impressora com defeito que compramos"),
            ("Devolução e reembolso", "a devolução da mercadoria danificada e o reembolso"),
            ("Reclamação", "nossa reclamação sobre peças defeituosas"),
            ("Substituição", "a substituição do {item} quebrado"),
        ],
        "payment": [
            ("Opções de faturamento", "as opções de faturamento da nossa assinatura"),
            ("Formas de pagamento", "as formas de pagamento aceitas"),
            ("Erro na fatura", "um valor incorreto na fatura {inv}"),
            ("Cobranças inesperadas", "as cobranças inesperadas na nossa conta"),
            ("Confirmação de pagamento", "se a nossa transferência da fatura {inv} foi recebida"),
        ],
        "other": [
            ("Queda do servidor", "a queda do servidor que parou nosso sistema de monitoramento"),
            ("Falha no software", "o software de análise que trava com grandes volumes de dados"),
            ("Redefinição de senha", "a redefinição da senha da minha conta de usuário"),
            ("Integração de funcionários", "o processo de integração de novos funcionários"),
            ("Treinamento", "o cronograma de treinamento da equipe"),
        ],
    },
    "it": {
        "inquiry": [
            ("Gamma di prodotti", "la vostra gamma di prodotti e i modelli disponibili"),
            ("Servizi di consulenza", "i vostri servizi di consulenza per le PMI"),
            ("Preventivo", "un preventivo per {qty} pezzi di {product}"),
            ("Campioni", "campioni del {product} prima della decisione"),
        ],
        "order": [
            ("Stato dell'ordine", "lo stato del nostro ordine {po}"),
            ("Cambio indirizzo", "la modifica dell'indirizzo di consegna dell'ordine {po}"),
            ("Annullamento", "l'annullamento dell'ordine {po}"),
        ],
        "complaint": [
            (
                "Richiesta di sostituzione",
                "la sostituzione del dispositivo difettoso acquistato da voi",
            ),
            ("Reso e rimborso", "il reso della merce danneggiata e il rimborso"),
            ("Reclamo", "il nostro reclamo per pezzi difettosi"),
        ],
        "payment": [
            ("Opzioni di fatturazione", "le opzioni di fatturazione del nostro abbonamento"),
            ("Metodi di pagamento", "i metodi di pagamento accettati"),
            ("Errore in fattura", "un importo errato nella fattura {inv}"),
            ("Addebiti imprevisti", "gli addebiti imprevisti sul nostro conto"),
        ],
        "other": [
            (
                "Guasto del server",
                "il guasto del server che ha bloccato il nostro sistema di monitoraggio",
            ),
            ("Reimpostazione password", "la reimpostazione della password del mio account"),
            ("Inserimento dei dipendenti", "il processo di inserimento dei nuovi dipendenti"),
            ("Formazione", "il calendario di formazione del personale"),
        ],
    },
    "ru": {
        "inquiry": [
            ("ассортимент", "вашем ассортименте и доступных моделях"),
            ("консалтинговые услуги", "ваших консалтинговых услугах для среднего бизнеса"),
            ("коммерческое предложение", "коммерческом предложении на {qty} шт. {product}"),
        ],
        "order": [
            ("статус заказа", "статусе нашего заказа {po}"),
            ("изменение адреса", "изменении адреса доставки по заказу {po}"),
            ("отмена заказа", "отмене заказа {po}"),
        ],
        "complaint": [
            ("обмен товара", "обмене неисправного устройства, купленного у вас"),
            ("возврат и возмещение", "возврате повреждённого товара и возмещении"),
            ("претензия", "нашей претензии по бракованным деталям"),
        ],
        "payment": [
            ("варианты оплаты", "вариантах оплаты нашей подписки"),
            ("ошибка в счёте", "неверной сумме в счёте {inv}"),
            ("неожиданные списания", "неожиданных списаниях с нашего счёта"),
        ],
        "other": [
            ("сбой сервера", "сбое сервера, который остановил систему мониторинга"),
            ("сброс пароля", "сбросе пароля моей учётной записи"),
            ("адаптация сотрудников", "программе адаптации новых сотрудников"),
        ],
    },
    "zh": {
        "inquiry": [
            ("产品系列", "贵司的产品系列和可供应的型号"),
            ("咨询服务", "贵司为中小企业提供的咨询服务"),
            ("报价", "{qty}件{product}的报价"),
        ],
        "order": [
            ("订单状态", "我们订单{po}的状态"),
            ("修改收货地址", "订单{po}收货地址的修改"),
            ("取消订单", "取消订单{po}"),
        ],
        "complaint": [
            ("换货申请", "我们购买的故障设备的换货"),
            ("退货退款", "损坏货物的退货和退款"),
            ("质量投诉", "不良零件的质量投诉"),
        ],
        "payment": [
            ("付款方式", "贵司接受的付款方式"),
            ("发票金额错误", "发票{inv}上金额有误的问题"),
            ("异常扣费", "我们账户上的异常扣费"),
        ],
        "other": [
            ("服务器故障", "导致监控系统停止的服务器故障"),
            ("重置密码", "重置我的用户账户密码"),
            ("新员工入职", "新员工的入职培训安排"),
        ],
    },
    "ja": {
        "inquiry": [
            ("製品ラインアップ", "御社の製品ラインアップと供給可能なモデル"),
            ("コンサルティングサービス", "中小企業向けのコンサルティングサービス"),
            ("お見積り", "{product} {qty}個のお見積り"),
        ],
        "order": [
            ("注文状況", "注文{po}の状況"),
            ("配送先変更", "注文{po}の配送先の変更"),
            ("注文キャンセル", "注文{po}のキャンセル"),
        ],
        "complaint": [
            ("交換依頼", "購入した不良品の交換"),
            ("返品と返金", "破損品の返品と返金"),
            ("品質クレーム", "不良部品に関するクレーム"),
        ],
        "payment": [
            ("支払方法", "利用可能な支払方法"),
            ("請求書の誤り", "請求書{inv}の金額の誤り"),
            ("予期しない請求", "アカウントへの予期しない請求"),
        ],
        "other": [
            ("サーバー障害", "監視システムが停止したサーバー障害"),
            ("パスワード再設定", "ユーザーアカウントのパスワード再設定"),
            ("新入社員研修", "新入社員の研修スケジュール"),
        ],
    },
    "ko": {
        "inquiry": [
            ("제품 라인업", "귀사의 제품 라인업과 공급 가능한 모델"),
            ("컨설팅 서비스", "중소기업을 위한 컨설팅 서비스"),
            ("견적", "{qty}개 제품의 견적"),
        ],
        "order": [
            ("주문 상태", "주문 {po}의 진행 상태"),
            ("배송지 변경", "주문 {po}의 배송지 변경"),
            ("주문 취소", "주문 {po} 취소"),
        ],
        "complaint": [
            ("교환 요청", "구매한 불량 제품의 교환"),
            ("반품 및 환불", "파손된 상품의 반품과 환불"),
            ("품질 클레임", "불량 부품에 대한 클레임"),
        ],
        "payment": [
            ("결제 방법", "사용 가능한 결제 방법"),
            ("청구서 오류", "청구서 {inv}의 금액 오류"),
            ("예상치 못한 요금", "계정에 부과된 예상치 못한 요금"),
        ],
        "other": [
            ("서버 장애", "모니터링 시스템을 멈추게 한 서버 장애"),
            ("비밀번호 재설정", "사용자 계정의 비밀번호 재설정"),
            ("신입 사원 교육", "신입 사원 교육 일정"),
        ],
    },
    "ar": {
        "inquiry": [
            ("مجموعة المنتجات", "مجموعة منتجاتكم والطرازات المتوفرة"),
            ("الخدمات الاستشارية", "خدماتكم الاستشارية للشركات المتوسطة"),
            ("عرض سعر", "عرض سعر لعدد {qty} قطعة"),
        ],
        "order": [
            ("حالة الطلب", "حالة طلبنا رقم {po}"),
            ("تغيير عنوان التسليم", "تغيير عنوان التسليم للطلب {po}"),
            ("إلغاء الطلب", "إلغاء الطلب {po}"),
        ],
        "complaint": [
            ("طلب استبدال", "استبدال الجهاز المعيب الذي اشتريناه"),
            ("الإرجاع واسترداد المبلغ", "إرجاع البضاعة التالفة واسترداد المبلغ"),
            ("شكوى جودة", "شكوانا بشأن القطع المعيبة"),
        ],
        "payment": [
            ("طرق الدفع", "طرق الدفع المقبولة لديكم"),
            ("خطأ في الفاتورة", "مبلغ غير صحيح في الفاتورة {inv}"),
            ("رسوم غير متوقعة", "رسوم غير متوقعة على حسابنا"),
        ],
        "other": [
            ("تعطل الخادم", "تعطل الخادم الذي أوقف نظام المراقبة"),
            ("إعادة تعيين كلمة المرور", "إعادة تعيين كلمة المرور لحسابي"),
            ("تأهيل الموظفين", "برنامج تأهيل الموظفين الجدد"),
        ],
    },
    "tr": {
        "inquiry": [
            ("ürün yelpazesi", "ürün yelpazeniz ve tedarik edebileceğiniz modeller"),
            ("danışmanlık hizmetleri", "orta ölçekli şirketler için danışmanlık hizmetleriniz"),
            ("fiyat teklifi", "{qty} adet {product} için fiyat teklifi"),
        ],
        "order": [
            ("sipariş durumu", "{po} numaralı siparişimizin durumu"),
            ("teslimat adresi değişikliği", "{po} siparişinin teslimat adresinin değiştirilmesi"),
            ("sipariş iptali", "{po} siparişinin iptali"),
        ],
        "complaint": [
            ("değişim talebi", "satın aldığımız arızalı cihazın değişimi"),
            ("iade ve geri ödeme", "hasarlı ürünlerin iadesi ve geri ödeme"),
            ("kalite şikayeti", "kusurlu parçalarla ilgili şikayetimiz"),
        ],
        "payment": [
            ("ödeme yöntemleri", "kabul ettiğiniz ödeme yöntemleri"),
            ("fatura hatası", "{inv} numaralı faturadaki hatalı tutar"),
            ("beklenmeyen ücretler", "hesabımıza yansıyan beklenmeyen ücretler"),
        ],
        "other": [
            ("sunucu arızası", "izleme sistemimizi durduran sunucu arızası"),
            ("şifre sıfırlama", "kullanıcı hesabımın şifresinin sıfırlanması"),
            ("yeni çalışan uyumu", "yeni çalışanların işe alışma süreci"),
        ],
    },
}

# Unsolicited promotions and cold pitches: a seller offering, not a customer asking. They
# are "other" whatever they mention (prices, orders, payment); the relevance gate decides
# whether they are junk, the intent only says there is nothing of a customer's to answer.
PITCH_SUBJECTS: dict[str, list[str]] = {
    "en": [
        "Limited time offer",
        "Lowest rates available!",
        "Special promotion for your business",
        "Grow your business today",
        "FREE trial inside",
        "Exclusive deal for you",
        "Work from home opportunity",
    ],
    "de": [
        "Nur heute: Sonderangebot",
        "Exklusives Angebot für Ihr Unternehmen",
        "Kostenlos testen",
        "Mehr Umsatz für Ihre Firma",
    ],
    "es": [
        "Oferta por tiempo limitado",
        "Promoción exclusiva para su empresa",
        "Prueba gratis",
        "Gane dinero desde casa",
    ],
    "fr": [
        "Offre à durée limitée",
        "Promotion exclusive pour votre entreprise",
        "Essai gratuit",
        "Développez votre chiffre d'affaires",
    ],
    "pt": [
        "Oferta por tempo limitado",
        "Promoção exclusiva para sua empresa",
        "Teste grátis",
        "Ganhe dinheiro em casa",
    ],
    "it": [
        "Offerta a tempo limitato",
        "Promozione esclusiva per la vostra azienda",
        "Prova gratuita",
    ],
    "ru": [
        "Только сегодня: скидка",
        "Эксклюзивное предложение для вашего бизнеса",
        "Бесплатная пробная версия",
    ],
    "zh": ["限时优惠", "专业推广服务", "免费试用", "工厂直销"],
    "ja": ["期間限定キャンペーン", "無料お試し", "集客サービスのご案内"],
    "ko": ["기간 한정 특가", "무료 체험", "마케팅 서비스 안내"],
    "ar": ["عرض لفترة محدودة", "تجربة مجانية", "خدمات تسويق لشركتكم"],
    "tr": ["Sınırlı süreli kampanya", "Ücretsiz deneme", "İşletmeniz için özel teklif"],
}
PITCHES: dict[str, list[str]] = {
    "en": [
        "Get [the lowest|unbeatable|wholesale] prices on [printer ink|web hosting|office supplies|domain names] today, starting at only ${qty2} per [month|year|unit].",
        "Our agency will bring your website to the first page of Google in [30|60|90] days, guaranteed.",
        "Earn up to $[1,500|3,000|5,000] a week working from home, no experience needed.",
        "Click the link below to claim your [free gift|bonus|discount voucher] before the offer expires.",
        "We are a leading [manufacturer|factory|supplier] of [LED lights|packaging|furniture|textiles] and would like to become your partner.",
        "This is a one-time offer: order now and get a second one free.",
        "Thousands of satisfied customers already use our [software|service|product].",
        "To stop receiving these messages, reply with REMOVE in the subject line.",
        "You have been selected to receive an exclusive [discount|reward|trial].",
        "Our [logistics|freight forwarding|design|IT outsourcing] team can cut your costs by [20|30|40] %.",
        "Reply today and we will send you a free quote for our services.",
        "Refinance your [mortgage|loan] at the lowest rate in years, approval in minutes.",
    ],
    "de": [
        "Sichern Sie sich jetzt [unsere Tiefstpreise|exklusive Rabatte] auf [Druckerpatronen|Webhosting|Büromaterial].",
        "Wir bringen Ihre Website in [30|60] Tagen auf die erste Seite bei Google.",
        "Verdienen Sie bis zu [1.500|3.000] Euro pro Woche von zu Hause aus.",
        "Klicken Sie auf den Link, um Ihr Gratisgeschenk zu sichern.",
        "Wir sind ein führender Hersteller von [LED-Leuchten|Verpackungen|Möbeln] und möchten Ihr Partner werden.",
        "Wenn Sie keine weiteren Nachrichten wünschen, antworten Sie mit ABMELDEN.",
    ],
    "es": [
        "Aproveche [nuestros precios más bajos|descuentos exclusivos] en [cartuchos de tinta|alojamiento web|material de oficina].",
        "Llevamos su sitio web a la primera página de Google en [30|60] días.",
        "Gane hasta [1.500|3.000] dólares a la semana trabajando desde casa.",
        "Haga clic en el enlace para obtener su regalo gratis.",
        "Somos un fabricante líder de [luces LED|embalajes|muebles] y queremos ser su socio.",
        "Si no desea recibir más mensajes, responda con BAJA.",
    ],
    "fr": [
        "Profitez de [nos prix les plus bas|remises exclusives] sur [les cartouches d'encre|l'hébergement web|les fournitures de bureau].",
        "Nous plaçons votre site en première page de Google en [30|60] jours.",
        "Gagnez jusqu'à [1 500|3 000] euros par semaine depuis chez vous.",
        "Cliquez sur le lien pour recevoir votre cadeau gratuit.",
        "Nous sommes un fabricant leader de [luminaires LED|emballages|meubles] et souhaitons devenir votre partenaire.",
        "Pour ne plus recevoir nos messages, répondez STOP.",
    ],
    "pt": [
        "Aproveite [nossos preços mais baixos|descontos exclusivos] em [cartuchos de tinta|hospedagem de sites|material de escritório].",
        "Colocamos o seu site na primeira página do Google em [30|60] dias.",
        "Ganhe até [1.500|3.000] reais por semana trabalhando em casa.",
        "Clique no link para receber o seu brinde grátis.",
        "Somos um fabricante líder de [iluminação LED|embalagens|móveis] e queremos ser seu parceiro.",
        "Para não receber mais mensagens, responda SAIR.",
    ],
    "it": [
        "Approfitta dei [nostri prezzi più bassi|nostri sconti esclusivi] su [cartucce|hosting web|cancelleria].",
        "Portiamo il tuo sito in prima pagina su Google in [30|60] giorni.",
        "Guadagna fino a [1.500|3.000] euro a settimana da casa.",
        "Siamo un produttore leader di [luci LED|imballaggi|mobili] e vorremmo diventare vostro partner.",
        "Per non ricevere più messaggi, rispondi CANCELLA.",
    ],
    "ru": [
        "Только сейчас самые низкие цены на [картриджи|хостинг|канцтовары].",
        "Выведем ваш сайт на первую страницу Google за [30|60] дней.",
        "Зарабатывайте до [1500|3000] долларов в неделю, не выходя из дома.",
        "Мы ведущий производитель [светодиодных ламп|упаковки|мебели] и хотим стать вашим партнёром.",
        "Чтобы отписаться от рассылки, ответьте СТОП.",
    ],
    "zh": [
        "我司是专业生产[LED灯|包装材料|家具]的工厂，希望与贵司建立合作。",
        "专业网站推广，[30|60]天让您的网站排名谷歌首页。",
        "在家兼职，每周轻松赚取[1500|3000]元。",
        "点击下方链接领取免费礼品，活动即将结束。",
        "如不希望再收到此类邮件，请回复退订。",
    ],
    "ja": [
        "当社は[LED照明|梱包資材|家具]の大手メーカーで、御社との取引を希望しております。",
        "[30|60]日でホームページをGoogle検索の1ページ目に表示させます。",
        "下記のリンクから無料プレゼントをお受け取りください。",
        "配信停止をご希望の方は、このメールにご返信ください。",
    ],
    "ko": [
        "저희는 [LED 조명|포장재|가구] 전문 제조업체로 귀사와 협력하고 싶습니다.",
        "[30|60]일 안에 홈페이지를 구글 첫 페이지에 올려 드립니다.",
        "아래 링크를 클릭하여 무료 사은품을 받으세요.",
        "수신을 원하지 않으시면 수신거부라고 회신해 주세요.",
    ],
    "ar": [
        "نحن مصنع رائد في إنتاج [مصابيح LED|مواد التغليف|الأثاث] ونرغب في التعاون معكم.",
        "سنضع موقعكم في الصفحة الأولى من جوجل خلال [30|60] يومًا.",
        "اضغط على الرابط أدناه للحصول على هديتك المجانية.",
        "لإلغاء الاشتراك في هذه الرسائل، يرجى الرد بكلمة إلغاء.",
    ],
    "tr": [
        "[LED aydınlatma|ambalaj|mobilya] alanında lider bir üreticiyiz ve sizinle çalışmak istiyoruz.",
        "Web sitenizi [30|60] gün içinde Google'da ilk sayfaya taşıyoruz.",
        "Ücretsiz hediyenizi almak için aşağıdaki bağlantıya tıklayın.",
        "Bu e-postaları almak istemiyorsanız İPTAL yazarak yanıtlayın.",
    ],
}
