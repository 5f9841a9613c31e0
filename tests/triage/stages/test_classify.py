"""Tests for the classify stage: rules + model + thread, decided_by and reasons."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from mailagent.context import ThreadContext
from mailagent.records import AutoReplyKind, InboundMail, Intent
from mailagent.triage.intent_model import IntentModel
from mailagent.triage.rules.ruleset import RuleHit, Ruleset
from mailagent.triage.stages import classify

MakeMail = Callable[..., InboundMail]

CASES = [
    ("en", Intent.INQUIRY, "Please send your best price for 3,000 pcs of 6-layer boards, ENIG."),
    ("en", Intent.ORDER, "Attached is our purchase order PO-45001 for 2,000 pcs, please confirm."),
    ("en", Intent.COMPLAINT, "The boards from the last shipment show delamination after reflow."),
    ("en", Intent.PAYMENT, "We transferred the 30% deposit today, the bank slip is attached."),
    ("en", Intent.OTHER, "We will be at the trade show in Munich, can we meet at your booth?"),
    ("zh", Intent.INQUIRY, "请问六层板3000片的价格是多少？交期多久？"),
    ("zh", Intent.ORDER, "附件是我们的采购订单，请安排生产。"),
    ("zh", Intent.COMPLAINT, "这批板子有短路问题，不良率很高，我们要求索赔。"),
    ("zh", Intent.PAYMENT, "定金已经汇款，附件是水单，请查收。"),
    ("zh", Intent.OTHER, "春节放假通知，我们公司下周放假。"),
    ("de", Intent.INQUIRY, "Bitte senden Sie uns ein Angebot für 3.000 Leiterplatten."),
    ("de", Intent.ORDER, "Anbei unsere Bestellung über 2.000 Stück, bitte bestätigen Sie."),
    ("de", Intent.COMPLAINT, "Die gelieferten Platinen sind fehlerhaft, wir reklamieren die Ware."),
    ("de", Intent.PAYMENT, "Die Rechnung ist seit vier Wochen überfällig, bitte zahlen Sie."),
    ("es", Intent.INQUIRY, "Necesitamos una cotización para 3.000 placas y el plazo de entrega."),
    ("es", Intent.ORDER, "Adjuntamos la orden de compra para 2.000 unidades."),
    ("es", Intent.COMPLAINT, "Las placas llegaron defectuosas y queremos una devolución."),
    ("es", Intent.PAYMENT, "Ya realizamos la transferencia del anticipo, adjunto el comprobante."),
    ("es", Intent.OTHER, "Olvidé mi contraseña y no puedo entrar en mi cuenta."),
    ("ja", Intent.INQUIRY, "基板3000枚の見積もりをお願いします。納期も教えてください。"),
    ("ja", Intent.ORDER, "注文書を添付しますので、ご確認のうえ生産を開始してください。"),
    ("ja", Intent.COMPLAINT, "納品された基板に不良が多く、返品させていただきます。"),
    ("ja", Intent.PAYMENT, "本日、前金を振込いたしました。振込明細を添付します。"),
    ("fr", Intent.INQUIRY, "Pouvez-vous nous envoyer un devis pour 3 000 cartes ?"),
    ("fr", Intent.ORDER, "Veuillez trouver ci-joint notre bon de commande pour 2 000 pièces."),
    (
        "fr",
        Intent.COMPLAINT,
        "Les cartes reçues sont défectueuses, nous demandons un remboursement.",
    ),
    ("fr", Intent.PAYMENT, "Nous avons effectué le virement de l'acompte, voici la preuve."),
    ("pt", Intent.INQUIRY, "Gostaríamos de uma cotação para 3.000 placas."),
    ("pt", Intent.COMPLAINT, "As placas chegaram com defeito e queremos devolver."),
    ("it", Intent.ORDER, "In allegato il nostro ordine per 2.000 pezzi."),
    (
        "it",
        Intent.PAYMENT,
        "Abbiamo effettuato il bonifico dell'acconto, in allegato la contabile.",
    ),
    ("ru", Intent.INQUIRY, "Пришлите, пожалуйста, цену на 3000 плат и срок изготовления."),
    ("ru", Intent.COMPLAINT, "Платы пришли с браком, требуем замену и компенсацию."),
    ("ru", Intent.PAYMENT, "Мы оплатили предоплату, платежное поручение во вложении."),
    ("zh-Hant", Intent.INQUIRY, "詢價：六層板 3000 片，請報價並告知交期及付款條件。"),
    ("zh-Hant", Intent.ORDER, "隨信附上採購單，付款條件：訂金 30% T/T，餘款出貨前付清。"),
    ("zh-Hant", Intent.PAYMENT, "訂金已匯出，匯款水單如附件，請查收。"),
    ("zh-Hant", Intent.COMPLAINT, "這批板子有短路不良，我們要求退貨並索賠。"),
    (
        "ja",
        Intent.COMPLAINT,
        "ロット 12 で導通不良（ショート）が発生しました。原因調査と対策書をお願いします。",
    ),
    (
        "en",
        Intent.INQUIRY,
        "Could you check the stackup and the impedance of the 90 ohm pair on L3?",
    ),
]


@pytest.mark.parametrize(
    ("lang", "intent", "body"), CASES, ids=[f"{c[0]}-{c[1].value}-{i}" for i, c in enumerate(CASES)]
)
def test_examples_classify_with_reasons(
    make_mail: MakeMail,
    shipped_ruleset: Ruleset,
    intent_model: IntentModel,
    lang: str,
    intent: Intent,
    body: str,
) -> None:
    result = classify.run(make_mail("", body), shipped_ruleset, intent_model)
    assert result.intent is intent, result
    assert result.decided_by in {"rule", "model", "rule+model"}
    assert any(r.startswith("model: ") for r in result.reasons)
    if result.rule_id is not None:
        assert any(r.startswith(f"rule {result.rule_id}: ") for r in result.reasons)
    assert dict(result.scores)[intent.value] == pytest.approx(result.confidence, abs=1e-3)


def test_reason_names_the_matched_word(
    make_mail: MakeMail, shipped_ruleset: Ruleset, intent_model: IntentModel
) -> None:
    result = classify.run(
        make_mail("Quality", "Several boards show delamination."), shipped_ruleset, intent_model
    )
    assert result.rule_id == "complaint.defect"
    assert "rule complaint.defect: text contains 'delamination' (vocab defect/en)" in result.reasons


@pytest.mark.parametrize(
    "kind", [AutoReplyKind.AUTO_REPLY, AutoReplyKind.BOUNCE, AutoReplyKind.LIST]
)
def test_machine_mail_is_other_by_autoreply(
    make_mail: MakeMail, shipped_ruleset: Ruleset, intent_model: IntentModel, kind: AutoReplyKind
) -> None:
    mail = make_mail(
        "Out of office", "I am away. For urgent orders and payments call me.", auto_reply=kind
    )
    result = classify.run(mail, shipped_ruleset, intent_model)
    assert (result.intent, result.decided_by, result.rule_id) == (Intent.OTHER, "autoreply", None)
    assert result.reasons and kind.value in result.reasons[0]


def test_thread_prior_leans_to_the_thread_stage(
    make_mail: MakeMail, shipped_ruleset: Ruleset, intent_model: IntentModel
) -> None:
    mail = make_mail("Re: PO 45001", "OK, noted, thanks.")
    thread = ThreadContext(thread_id=7, method="references", last_intent=Intent.ORDER)
    with_thread = classify.run(mail, shipped_ruleset, intent_model, thread)
    assert with_thread.intent is Intent.ORDER
    assert "thread: previous message was order" in with_thread.reasons
    assert (
        dict(with_thread.scores)["order"]
        > dict(classify.run(mail, shipped_ruleset, intent_model).scores)["order"]
    )


def test_thread_decides_when_it_tips_the_balance() -> None:
    probabilities = [
        (Intent.OTHER, 0.40), (Intent.PAYMENT, 0.35), (Intent.ORDER, 0.15),
        (Intent.INQUIRY, 0.05), (Intent.COMPLAINT, 0.05),
    ]  # fmt: skip
    thread = ThreadContext(thread_id=1, method="token", intents=(Intent.INQUIRY, Intent.PAYMENT))
    result = classify.combine([], probabilities, thread)
    assert (result.intent, result.decided_by, result.rule_id) == (Intent.PAYMENT, "thread", None)


def test_other_thread_intent_adds_no_prior() -> None:
    thread = ThreadContext(thread_id=1, method="token", last_intent=Intent.OTHER)
    result = classify.combine([], [(Intent.INQUIRY, 0.9), (Intent.OTHER, 0.1)], thread)
    assert not any(r.startswith("thread:") for r in result.reasons)


def test_model_only_case(make_mail: MakeMail, intent_model: IntentModel) -> None:
    empty = Ruleset((), {}, ())
    result = classify.run(
        make_mail("", "I want my money returned, the jacket fell apart"), empty, intent_model
    )
    assert result.decided_by == "model"
    assert result.rule_id is None
    assert result.reasons[-1].startswith("model: ")


def test_low_confidence_falls_back_to_other() -> None:
    probabilities = [
        (Intent.INQUIRY, 0.31), (Intent.ORDER, 0.30), (Intent.PAYMENT, 0.2),
        (Intent.COMPLAINT, 0.1), (Intent.OTHER, 0.09),
    ]  # fmt: skip
    result = classify.combine([], probabilities)
    assert (result.intent, result.decided_by, result.rule_id) == (Intent.OTHER, "fallback", None)
    assert "no rule matched and model confidence 0.31 < 0.45" in result.reasons


def hit(rule_id: str, intent: Intent, priority: int = 10, weight: float = 1.0) -> RuleHit:
    return RuleHit(rule_id, intent, priority, weight, "body contains 'x'")


def test_rule_overrides_unsure_model() -> None:
    probabilities = [(Intent.INQUIRY, 0.5), (Intent.COMPLAINT, 0.3), (Intent.ORDER, 0.2)]
    result = classify.combine([hit("complaint.defect", Intent.COMPLAINT, 40, 2.5)], probabilities)
    assert (result.intent, result.decided_by, result.rule_id) == (
        Intent.COMPLAINT,
        "rule",
        "complaint.defect",
    )
    assert result.reasons[0] == "rule complaint.defect: body contains 'x'"


def test_rule_and_model_agree() -> None:
    result = classify.combine(
        [hit("order.po", Intent.ORDER, 20, 2.0)], [(Intent.ORDER, 0.8), (Intent.OTHER, 0.2)]
    )
    assert (result.decided_by, result.rule_id) == ("rule+model", "order.po")
    assert result.confidence > 0.9


def test_decisive_priority_overrides_the_model() -> None:
    hits = [hit("other.vip", Intent.OTHER, classify.DECISIVE_PRIORITY, 1.0)]
    result = classify.combine(hits, [(Intent.ORDER, 0.99), (Intent.OTHER, 0.01)])
    assert (result.intent, result.decided_by, result.rule_id) == (Intent.OTHER, "rule", "other.vip")


def test_without_model_highest_priority_wins() -> None:
    hits = [hit("complaint.x", Intent.COMPLAINT, 40, 1.0), hit("order.y", Intent.ORDER, 20, 3.0)]
    result = classify.combine(hits, None)
    assert (result.intent, result.decided_by, result.rule_id) == (
        Intent.COMPLAINT,
        "rule",
        "complaint.x",
    )


def test_without_model_and_rules_is_fallback() -> None:
    result = classify.combine([], None)
    assert (result.intent, result.decided_by) == (Intent.OTHER, "fallback")
    assert "no rule matched and no model loaded" in result.reasons


def test_is_pure_and_deterministic(
    make_mail: MakeMail, shipped_ruleset: Ruleset, intent_model: IntentModel
) -> None:
    mail = make_mail("Invoice", "Invoice INV-7702 is overdue.")
    assert classify.run(mail, shipped_ruleset, intent_model) == classify.run(
        mail, shipped_ruleset, intent_model
    )


def test_throughput_at_least_1000_per_second(
    make_mail: MakeMail, shipped_ruleset: Ruleset, intent_model: IntentModel
) -> None:
    bodies = [body for _, _, body in CASES] + [
        "Hello, where is my order #88317? I ordered it ten days ago.",
        "My card payment was declined at the supermarket, why?",
        "Please send the PI for 5,000 pcs so we can pay the deposit.",
    ]
    mails = [make_mail(f"Re: {i}", bodies[i % len(bodies)] + f" Ref {i}.") for i in range(1500)]
    classify.run(mails[0], shipped_ruleset, intent_model)  # warm up
    started = time.perf_counter()
    for mail in mails:
        classify.run(mail, shipped_ruleset, intent_model)
    rate = len(mails) / (time.perf_counter() - started)
    assert rate >= 1000, f"{rate:.0f} msgs/s"


# -- general fixes: payment terms inside a PO, meetings, engineering questions, thread ------


@pytest.mark.parametrize(
    ("subject", "body", "attachments"),
    [
        (
            "Purchase order PO-77120",
            "Please find attached our purchase order PO-77120 for 5,000 pcs. Payment terms: "
            "irrevocable L/C at sight; please send the proforma invoice and your bank details.",
            ("PO-77120.pdf",),
        ),
        (
            "New order",
            "We hereby order 2,000 pcs as per your quotation. Payment: 30% T/T deposit, "
            "balance before shipment.",
            (),
        ),
        (
            "Orden de compra OC-5521",
            "Adjunto nuestra orden de compra OC-5521. Forma de pago: carta de crédito a la vista.",
            ("OC-5521.pdf",),
        ),
    ],
)
def test_purchase_order_stating_payment_terms_is_an_order(
    make_mail: MakeMail,
    shipped_ruleset: Ruleset,
    intent_model: IntentModel,
    subject: str,
    body: str,
    attachments: tuple[str, ...],
) -> None:
    mail = make_mail(subject, body, attachments=attachments)
    result = classify.run(mail, shipped_ruleset, intent_model)
    assert result.intent is Intent.ORDER, result
    assert not any(r.startswith("rule payment.terms:") for r in result.reasons)


def test_deposit_paid_against_a_pi_is_payment(
    make_mail: MakeMail, shipped_ruleset: Ruleset, intent_model: IntentModel
) -> None:
    mail = make_mail(
        "Deposit for PI-2026-100 / PO 880011",
        "We have remitted the 30% deposit for PI-2026-100 (our PO 880011) today, "
        "value date tomorrow. The payment advice is attached.",
        attachments=("payment_advice.pdf",),
    )
    assert classify.run(mail, shipped_ruleset, intent_model).intent is Intent.PAYMENT


def test_meeting_invitation_with_an_agenda_is_other(
    make_mail: MakeMail, shipped_ruleset: Ruleset, intent_model: IntentModel
) -> None:
    mail = make_mail(
        "Supplier review meeting",
        "Here is the invitation for our quarterly review. Agenda: 1. delivery performance "
        "2. claim 4411 and the 8D status 3. forecast for next year.",
        attachments=("invite.ics",),
    )
    result = classify.run(mail, shipped_ruleset, intent_model)
    assert result.intent is Intent.OTHER, result


def test_engineering_question_is_an_inquiry(
    make_mail: MakeMail, shipped_ruleset: Ruleset, intent_model: IntentModel
) -> None:
    mail = make_mail(
        "Stackup question",
        "Writing from my private account today. Which dielectric did you assume for the "
        "stackup, and can you add an impedance coupon on the other panel edge?",
    )
    result = classify.run(mail, shipped_ruleset, intent_model)
    assert result.intent is Intent.INQUIRY, result
    assert not any(r.startswith("rule other.account:") for r in result.reasons)


def test_thread_prior_does_not_override_strong_own_evidence() -> None:
    hits = [hit("payment.remittance", Intent.PAYMENT, 32, 2.5)]
    probabilities = [(Intent.ORDER, 0.6), (Intent.PAYMENT, 0.4)]
    thread = ThreadContext(thread_id=1, method="references", last_intent=Intent.ORDER)
    result = classify.combine(hits, probabilities, thread)
    assert result.intent is Intent.PAYMENT
    assert any(
        r.startswith("thread prior not applied: rule payment.remittance") for r in result.reasons
    )


# -- realistic mail: greetings, generic request subjects, frames around a topic -------------


def test_greeting_to_a_service_desk_is_not_a_request_for_a_person(
    make_mail: MakeMail, shipped_ruleset: Ruleset, intent_model: IntentModel
) -> None:
    body = (
        "Dear Customer Support Team,\n\nThe coffee machine I bought in May leaks water. "
        "I would like to exchange the product for a new one.\n\nKind regards,\nLena Voss"
    )
    result = classify.run(make_mail("Coffee machine", body), shipped_ruleset, intent_model)
    assert result.intent is Intent.COMPLAINT, result
    assert not any("other.human-contact" in r or "service-desk" in r for r in result.reasons)


def test_asking_how_to_reach_the_desk_is_other(
    make_mail: MakeMail, shipped_ruleset: Ruleset, intent_model: IntentModel
) -> None:
    result = classify.run(
        make_mail("", "How do I get in touch with your customer service by phone?"),
        shipped_ruleset,
        intent_model,
    )
    assert result.intent is Intent.OTHER, result


def test_generic_request_subject_yields_to_the_topic(
    make_mail: MakeMail, shipped_ruleset: Ruleset, intent_model: IntentModel
) -> None:
    body = (
        "Sehr geehrtes Team,\n\nauf unserer letzten Monatsrechnung wurden uns Gebühren "
        "berechnet, die wir nicht nachvollziehen können. Bitte prüfen Sie die Abrechnung.\n\n"
        "Mit freundlichen Grüßen\nJonas Keller"
    )
    result = classify.run(
        make_mail("Anfrage zur Monatsrechnung", body), shipped_ruleset, intent_model
    )
    assert result.intent is Intent.PAYMENT, result
    assert not any(r.startswith("rule inquiry.") for r in result.reasons), result.reasons


@pytest.mark.parametrize(
    ("subject", "body", "intent"),
    [
        (
            "Question",
            "Could you tell me which payment methods you accept for annual licences?",
            Intent.PAYMENT,
        ),
        (
            "Question",
            "Could you tell me which models of your label printers you can supply this year?",
            Intent.INQUIRY,
        ),
        (
            "Demande d'assistance",
            "Bonjour, je souhaite échanger l'imprimante achetée le mois dernier, elle ne "
            "s'allume plus. Merci.",
            Intent.COMPLAINT,
        ),
        (
            "Consulta",
            "Hola, nuestro servidor de monitoreo se cayó esta mañana y necesitamos ayuda "
            "para restablecerlo.",
            Intent.OTHER,
        ),
    ],
)
def test_same_polite_frame_different_topics(
    make_mail: MakeMail,
    shipped_ruleset: Ruleset,
    intent_model: IntentModel,
    subject: str,
    body: str,
    intent: Intent,
) -> None:
    assert classify.run(make_mail(subject, body), shipped_ruleset, intent_model).intent is intent


def test_product_names_are_not_order_numbers(make_mail: MakeMail, shipped_ruleset: Ruleset) -> None:
    mail = make_mail("Printer", "My Canon PIXMA printer from POLAND is broken, PI 2026-77 paid.")
    ids = {h.rule_id: h.reason for h in shipped_ruleset.evaluate(mail)}
    assert "PIXMA" not in ids.get("order.pi-number", "") and "2026-77" in ids["order.pi-number"]
    assert "order.po-number" not in ids
