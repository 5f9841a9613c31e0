"""Build tiny random-weight Argos model packages at test time (no real model exists offline).

:func:`train_sentencepiece` trains a small SentencePiece model (well under a second) on
generated multilingual text that includes the ``⟦N⟧`` placeholders, so they survive
tokenization; :func:`build_package` makes a CTranslate2 Transformer through the spec API
with random weights and zips it with ``metadata.json`` and the SentencePiece model into an
``.argosmodel``. The output is gibberish: tests check the plumbing, not the wording.

A bias on the end-of-sentence logit makes random decoding stop after a few tokens instead of
running to the length limit, which keeps the tests fast. ``bench/translate.py`` uses the
same builder with the standard Argos shape (6+6 layers, d512, int8) and ``fixed_output``,
a decoder that is as confident as a trained one, so every decoding setting does the same
number of steps.
"""

from __future__ import annotations

import io
import json
import random
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "TINY",
    "ModelShape",
    "build_package",
    "corpus",
    "model_spec",
    "train_sentencepiece",
    "vocabulary",
    "write_package",
]


@dataclass(frozen=True)
class ModelShape:
    layers: int = 1
    d_model: int = 32
    heads: int = 2
    ffn: int = 64
    vocab_size: int = 400  # SentencePiece vocabulary
    padded_vocab: int = 0  # extra dummy tokens so the output layer has a realistic size
    quantization: str | None = None  # e.g. "int8", like real Argos packages
    eos_bias: float = 2.0  # added to the </s> logit (the others have about unit variance)
    fixed_output: int = 0  # > 0: a confident "counter" decoder, see _counter_decoder


TINY = ModelShape()

_WORDS = {  # split below
    "en": "dear thank you for your order please send the samples price quotation delivery "
    "time we will ship next week best regards invoice payment received quality problem "
    "board copper thickness solder mask gold finger drill panel stock confirm",
    "de": "sehr geehrte damen und herren vielen dank für ihre bestellung bitte senden sie "
    "muster preis angebot lieferzeit wir liefern nächste woche mit freundlichen grüßen "
    "rechnung zahlung erhalten qualität problem leiterplatte kupfer lötstopplack",
    "fr": "madame monsieur merci pour votre commande veuillez envoyer les échantillons prix "
    "délai de livraison nous expédierons semaine prochaine cordialement facture",
    "es": "estimados gracias por su pedido por favor envíen las muestras precio plazo de "
    "entrega enviaremos la próxima semana saludos factura pago recibido calidad",
}
_ZH = (
    "您好感谢您的订单请发送样品价格报价交货时间我们下周发货此致敬礼"
    "发票付款已收到质量问题电路板铜厚阻焊金手指"
)
_TRADE = [
    "HX-4L-FR4-1.6", "FR-4", "2N2222A", "USD 1,234.50", "€3.20", "¥800", "5,000 pcs",
    "1.6 mm", "35 µm", "2 oz", "FOB", "CIF", "EXW", "DDP", "PO-45001", "PI-HX-2026-031",
    "SO-2026-0088", "sales@huaxin-pcb.com", "https://www.huaxin.com/p?id=5", "Huaxin",
]  # fmt: skip


def corpus(lines: int = 3000, seed: int = 7) -> list[str]:
    """Generated multilingual sentences with trade tokens and placeholders."""
    rnd = random.Random(seed)
    out: list[str] = []
    langs = sorted(_WORDS)
    for i in range(lines):
        if i % 5 == 4:
            text = "".join(rnd.choice(_ZH) for _ in range(rnd.randint(6, 20))) + "。"
        else:
            words = _WORDS[langs[i % len(langs)]].split()
            text = " ".join(rnd.choice(words) for _ in range(rnd.randint(4, 14))).capitalize()
            text += rnd.choice([".", "?", "!", ","])
        if i % 3 == 0:
            text += f" ⟦{rnd.randint(0, 20)}⟧ {rnd.choice(_TRADE)}"
        out.append(text)
    return out


def train_sentencepiece(
    vocab_size: int = 400, lines: int = 3000, text: Iterable[str] = ()
) -> bytes:
    """Train a unigram SentencePiece model in memory on :func:`corpus` plus ``text``."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([*corpus(lines), *text]),
        hard_vocab_limit=False,
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        byte_fallback=True,
        user_defined_symbols=["⟦", "⟧"],
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=2,
        minloglevel=2,
    )
    return model.getvalue()


def vocabulary(sp_model: bytes, padded: int) -> list[str]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=sp_model)
    vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    vocab += [f"<extra_{i}>" for i in range(max(0, padded - len(vocab)))]
    return vocab


def model_spec(shape: ModelShape, vocab: list[str], seed: int) -> Any:
    from ctranslate2.specs import transformer_spec as ts

    rng = np.random.default_rng(seed)
    d, f, v = shape.d_model, shape.ffn, len(vocab)

    def w(rows: int, cols: int) -> Any:
        return rng.standard_normal((rows, cols), dtype=np.float32) / np.float32(np.sqrt(cols))

    def norm(spec: Any) -> None:
        spec.gamma = np.ones(d, dtype=np.float32)
        spec.beta = np.zeros(d, dtype=np.float32)

    def linear(spec: Any, rows: int, cols: int) -> None:
        spec.weight = w(rows, cols)
        spec.bias = np.zeros(rows, dtype=np.float32)

    spec = ts.TransformerSpec.from_config(shape.layers, shape.heads)
    enc, dec = spec.encoder, spec.decoder
    enc.embeddings[0].weight = rng.standard_normal((v, d), dtype=np.float32)
    dec.embeddings.weight = rng.standard_normal((v, d), dtype=np.float32)
    norm(enc.layer_norm)
    norm(dec.layer_norm)
    for layer in enc.layer:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * d, d)
        linear(layer.self_attention.linear[1], d, d)
        norm(layer.ffn.layer_norm)
        linear(layer.ffn.linear_0, f, d)
        linear(layer.ffn.linear_1, d, f)
    for layer in dec.layer:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * d, d)
        linear(layer.self_attention.linear[1], d, d)
        norm(layer.attention.layer_norm)
        linear(layer.attention.linear[0], d, d)
        linear(layer.attention.linear[1], 2 * d, d)
        linear(layer.attention.linear[2], d, d)
        norm(layer.ffn.layer_norm)
        linear(layer.ffn.linear_0, f, d)
        linear(layer.ffn.linear_1, d, f)
    linear(dec.projection, v, d)
    dec.projection.bias[vocab.index("</s>")] = shape.eos_bias
    if shape.fixed_output:
        _counter_decoder(dec, vocab, shape.fixed_output)
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    if shape.quantization:
        spec.optimize(quantization=shape.quantization)
    return spec


def _counter_decoder(dec: Any, vocab: list[str], length: int) -> None:
    """Make decoding confident and exactly ``length`` tokens long, like a trained model.

    Random weights never decide to stop, so beam size and length penalty would change how
    long decoding runs and a speed comparison would measure that instead of batching. Here
    the sublayers' outputs are scaled down so the residual stream carries the previous
    token's embedding, and the output layer maps it to the next token of a fixed chain
    ``<s> → c1 → … → c_length → </s>`` with a large margin; any other token leads back to
    ``c1`` (so beam alternatives restart the chain and finish later). Compute per step is
    unchanged: same shapes, dense weights.
    """
    rng = np.random.default_rng(1)
    for layer in dec.layer:
        for lin in (layer.self_attention.linear[1], layer.attention.linear[2], layer.ffn.linear_1):
            lin.weight *= np.float32(0.02)
    emb, proj = dec.embeddings.weight, dec.projection.weight
    v, d = emb.shape
    ordinary = [i for i, p in enumerate(vocab) if p.startswith("▁") and len(p) > 2]
    chain = [*ordinary[:length], vocab.index("</s>")]
    common = rng.standard_normal(d).astype(np.float32)
    emb[:] = common + np.float32(0.05) * rng.standard_normal((v, d), dtype=np.float32)
    emb[chain] = rng.standard_normal((len(chain), d), dtype=np.float32)
    scale = np.float32(30.0 / np.sqrt(d))
    for prev_vec, nxt in zip([common, *emb[chain[:-1]]], chain, strict=True):
        e = prev_vec - prev_vec.mean()
        proj[nxt] = scale * e / np.linalg.norm(e) * np.float32(np.sqrt(d))
    dec.projection.bias[:] = 0


def write_package(
    spec: Any,
    sp_model: bytes,
    out_dir: Path,
    from_code: str,
    to_code: str,
    *,
    package_version: str = "1.0",
    metadata: dict[str, object] | None = None,
) -> Path:
    """Save ``spec``, metadata and SentencePiece model as ``<out_dir>/<from>_<to>.argosmodel``."""
    names = {"en": "English", "de": "German", "zh": "Chinese", "fr": "French", "es": "Spanish"}
    meta: dict[str, object] = {
        "package_version": package_version,
        "argos_version": "1.9",
        "from_code": from_code,
        "to_code": to_code,
        "from_name": names.get(from_code, from_code),
        "to_name": names.get(to_code, to_code),
        "type": "translate",
    }
    meta.update(metadata or {})
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / f"translate-{from_code}_{to_code}-{package_version.replace('.', '_')}"
        (folder / "model").mkdir(parents=True)
        spec.save(str(folder / "model"))
        (folder / "sentencepiece.model").write_bytes(sp_model)
        (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2))
        (folder / "README.md").write_text("Random-weight test model. Output is gibberish.\n")
        out_dir.mkdir(parents=True, exist_ok=True)
        archive = out_dir / f"{from_code}_{to_code}.argosmodel"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
            for path in sorted(folder.rglob("*")):
                zf.write(path, path.relative_to(Path(tmp)).as_posix())
    return archive


def build_package(
    out_dir: Path,
    from_code: str,
    to_code: str,
    sp_model: bytes,
    *,
    shape: ModelShape = TINY,
    package_version: str = "1.0",
    seed: int = 0,
    metadata: dict[str, object] | None = None,
) -> Path:
    """Build a random model of ``shape`` and write it as an ``.argosmodel`` package."""
    spec = model_spec(shape, vocabulary(sp_model, shape.padded_vocab), seed)
    return write_package(
        spec, sp_model, out_dir, from_code, to_code,
        package_version=package_version, metadata=metadata,
    )  # fmt: skip
