"""The page reader: a file of newspaper text in, a normalised `Page` out.

The text of a page came out of a PDF or a web page, so it is repaired on the way in. Every step
below proposes edits to the text; `_apply` carries them out and keeps the offsets of the repairs
made so far pointing into the current text, so that in the end every `Repair.offset` is a position
in `Page.text`. The steps, in order:

    decode → line endings → whitespace → chunk markers → flattened paragraphs → column breaks
    → doubled strings → repeated passages

The result has one block (masthead line, heading, paragraph) per line, lines joined by one "\\n",
no blank line and no space at either end of a line.
"""
from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError
from ..model import Page, Repair

MAX_BYTES = 2 * 1024 * 1024          # a newspaper page is about 20 KB
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")

TERMINAL = "。!?!?…”’」』))::;;—"    # a line ending with one of these may end a block
SENTENCE_PUNCT = ",,。;;!?!?"         # inside a line: the line is running text
WEAK = ",,、;;::"                     # separators that cannot end a line
PUNCT = WEAK + "。!?!?…"

# Unicode category Cc is exactly U+0000–U+001F and U+007F–U+009F: a character class finds the
# control characters in C instead of asking unicodedata.category() for every character
CONTROL_NOT_TAB = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
CONTROL_NOT_LAYOUT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")     # not \t \n \f \r
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"))
SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
SPACE_ENDS = re.compile(f"^{SPACES.pattern}|{SPACES.pattern}$")
LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")

# Simplified and traditional forms alike: 报/報, 讯/訊, 记/記, 见/見 …
MASTHEAD = re.compile(r"^[\u4e00-\u9fff]{0,6}(出版|社址|地址|邮编|郵編|邮政编码|编辑|編輯|美编|校对|电子版|"
                      r"信箱|邮箱|网址|網址|刊号|刊號|代号|代號|热线|熱線|电话|電話|传真|傳真|准印证号|主管|"
                      r"主办|主辦|印刷|发行|發行|定价|定價)\s*[::]")
CREDIT = re.compile(r"^(本[报報])?(见习|見習|特约|特約)?([记記]者|通[讯訊][员員]|实习生|實習生|摄影|攝影)\s*"
                    r"[\u4e00-\u9fff]{2,4}(\s|$|[、,,])|\s[摄攝](影)?$|^■")
BLOCK_START = re.compile(
    r"^(本[报報][讯訊]|本[报報]\S{0,8}[讯訊电電]|新华社|新華社|据新华社"     # datelines
    r"|[一二三四五六七八九十]+、|[((][一二三四五六七八九十\d]+[))]"      # 一、 (一) (1)
    r"|第[一二三四五六七八九十]+[,,、]|\d{1,2}[.．、](?!\d)|[①-⑳]"       # 第一, 1. 1、 ①
    r"|\(?[详詳][见見]|\(?[转轉]第|下[转轉]|上接|——|[■●◆▲])")
CHUNK_MARKER = re.compile(r"^([0-9０-９]{1,3})、 ?")
# Paragraph openers that a short headline is often followed by: not the tail of a cut word.
OPENERS = {"日前", "近日", "昨日", "昨天", "今天", "今日", "明天", "今年", "去年", "明年", "目前",
           "当前", "此前", "此外", "另外", "同时", "会上", "会前", "会后", "会议", "期间", "当天",
           "当晚", "上午", "下午", "晚上", "近年", "为此", "对此", "其中", "据悉", "首先", "其次",
           "最后", "然而", "但是", "因此", "所以", "随后", "之后", "届时", "他说", "她说", "据了解"}


# ---------------------------------------------------------------- public API

def read_page(path: str | Path) -> Page:
    """Read one page file; bad input raises `InputError` naming the file."""
    p = Path(path)
    shown = _one_line(str(path))
    try:
        if p.is_dir():
            raise InputError(f"{shown}: is a directory, not a page file")
        if not p.exists():
            raise InputError(f"{shown}: no such file")
        if not p.is_file():
            raise InputError(f"{shown}: not a regular file")
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise InputError(_too_large(shown, size))
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{shown}: cannot read ({exc.strerror or type(exc).__name__})") from None
    return read_bytes(data, p.name)


def read_bytes(data: bytes, source: str) -> Page:
    """The pure core of `read_page`: raw bytes of a page and its file name in, a `Page` out."""
    shown = _one_line(source)
    if len(data) > MAX_BYTES:
        raise InputError(_too_large(shown, len(data)))
    text, encoding, how = _decode(data, shown)
    body, repairs = normalise(text)
    if not body:
        raise InputError(f"{shown}: empty page (no text, only whitespace)")
    if not CJK.search(body):
        raise InputError(f"{shown}: no Chinese characters; not a Chinese newspaper page")
    if how:
        repairs.insert(0, Repair("decode", 0, how))
    return Page(source=source, sha256=hashlib.sha256(data).hexdigest(), encoding=encoding,
                text=body, repairs=tuple(sorted(repairs, key=lambda r: r.offset)))


def normalise(text: str) -> tuple[str, list[Repair]]:
    """Everything after decoding: whitespace, column breaks, chunk markers, duplicates."""
    repairs: list[Repair] = []
    for step in (_line_endings, _whitespace, _chunk_markers, _flattened_paragraphs,
                 _column_breaks):
        text, repairs = _apply(text, repairs, step(text))
    for step in (_doubled_strings, _repeated_passages):     # until no copy is left (XXX → XX → X)
        while edits := step(text):
            text, repairs = _apply(text, repairs, edits)
            text, repairs = _apply(text, repairs, _whitespace(text))   # tidy rare seam leftovers
    return text, repairs


# ---------------------------------------------------------------- decoding

def _decode(data: bytes, shown: str) -> tuple[str, str, str]:
    """Return (text, encoding name, repair detail or "" when it was plain UTF-8)."""
    boms = ((b"\xef\xbb\xbf", "utf-8-sig", "utf-8 with byte-order mark"),
            (b"\xff\xfe", "utf-16-le", "utf-16 little-endian (byte-order mark)"),
            (b"\xfe\xff", "utf-16-be", "utf-16 big-endian (byte-order mark)"))
    for bom, encoding, how in boms:
        if data.startswith(bom):
            try:
                return _check_text(data[len(bom):].decode(encoding), shown), encoding, how
            except UnicodeDecodeError:
                raise InputError(f"{shown}: binary data (broken {encoding} text)") from None
    if b"\x00" in data:
        raise InputError(f"{shown}: binary data (NUL bytes), not a text page")
    try:
        return _check_text(data.decode("utf-8"), shown), "utf-8", ""
    except UnicodeDecodeError:
        pass
    guess = _guess_chinese(data)
    for encoding in (guess, "big5" if guess == "gb18030" else "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _check_text(text, shown), encoding, f"decoded as {encoding}"
    mixed = _decode_mixed(data)
    if mixed is not None:
        text, encoding, how = mixed
        return _check_text(text, shown), encoding, how
    raise InputError(f"{shown}: binary data (not UTF-8, GB18030 or Big5 text)")


def _decode_mixed(data: bytes) -> tuple[str, str, str] | None:
    """A file pasted together from UTF-8 lines and GB18030 (or Big5) lines, which neither
    decodes as a whole: decode each line by itself. A line counts as UTF-8 only when it decodes
    so with at least two Chinese characters (GB18030 bytes that happen to be valid UTF-8 rarely
    read as Chinese). None when the lines are not such a mix."""
    lines = data.splitlines(keepends=True)
    utf8: dict[int, str] = {}
    for n, line in enumerate(lines):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if line.isascii() or len(CJK.findall(text)) >= 2:
            utf8[n] = text
    rest = b"".join(line for n, line in enumerate(lines) if n not in utf8)
    if not rest or len(utf8) == sum(line.isascii() for line in lines):
        return None                       # all UTF-8, or no UTF-8 line with Chinese text
    guess = _guess_chinese(rest)
    for encoding in (guess, "big5" if guess == "gb18030" else "gb18030"):
        try:
            decoded = [utf8[n] if n in utf8 else line.decode(encoding) for n, line in enumerate(lines)]
        except UnicodeDecodeError:
            continue
        others = len(lines) - len(utf8)
        return ("".join(decoded), f"utf-8+{encoding}",
                f"mixed encodings: {len(utf8)} lines UTF-8, {others} lines {encoding}")
    return None


def _guess_chinese(data: bytes) -> str:
    """Pick GB18030 or Big5 with charset-normalizer; GBK and GB2312 are read as GB18030."""
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    if best is None:
        return "gb18030"     # the superset; strict decoding below decides whether it is text
    return "big5" if best.encoding.startswith("big5") else "gb18030"


def _check_text(text: str, shown: str) -> str:
    """Reject decoded text that is mostly control characters (a binary file by another name)."""
    controls = len(CONTROL_NOT_LAYOUT.findall(text))
    if text and controls > 0.1 * len(text):
        raise InputError(f"{shown}: binary data (mostly control characters), not a text page")
    return text


def _too_large(shown: str, size: int) -> str:
    return (f"{shown}: too large ({size / 1024 / 1024:.1f} MB; the limit is 2 MB, "
            f"a newspaper page is about 20 KB)")


def _one_line(name: str) -> str:
    return name.replace("\n", "\\n").replace("\r", "\\r")


# ---------------------------------------------------------------- edits and offsets

class Edit(NamedTuple):
    """Replace text[start:end] by `new`; `kind`/`detail` make a Repair at the new position."""
    start: int
    end: int
    new: str
    kind: str | None = None
    detail: str = ""


def _apply(text: str, repairs: list[Repair], edits: list[Edit]) -> tuple[str, list[Repair]]:
    """Carry out non-overlapping edits; move old repair offsets along, add the new repairs."""
    if not edits:
        return text, repairs
    edits = sorted(edits, key=lambda e: (e.start, e.end))
    pieces, spans, pos, shift = [], [], 0, 0       # spans: (old start, old end, new start)
    for e in edits:
        pieces += [text[pos:e.start], e.new]
        spans.append((e.start, e.end, e.start + shift))
        shift += len(e.new) - (e.end - e.start)
        pos = e.end
    pieces.append(text[pos:])

    # Edits are sorted and do not overlap, so starts and ends both ascend: a binary search finds
    # the edit that moves an offset (a linear scan per repair was quadratic on hostile pages).
    starts, ends = [s[0] for s in spans], [s[1] for s in spans]

    def moved(offset: int) -> int:
        k = bisect.bisect_right(starts, offset) - 1
        if k >= 0 and offset < ends[k]:           # inside the replaced text: at its new place
            return spans[k][2]
        k = bisect.bisect_right(ends, offset) - 1
        if k < 0:                                 # before every edit: unchanged
            return offset
        _, end, new_start = spans[k]          # after it: shifted by its change in length
        return offset - end + new_start + len(edits[k].new)

    kept = [Repair(r.kind, moved(r.offset), r.detail) for r in repairs]
    new = [Repair(e.kind, s[2], e.detail) for e, s in zip(edits, spans) if e.kind]
    return "".join(pieces), kept + new


def _lines(text: str) -> list[tuple[int, str]]:
    """The lines of a text with their start offsets."""
    out, start = [], 0
    for line in text.split("\n"):
        out.append((start, line))
        start += len(line) + 1
    return out


# ---------------------------------------------------------------- whitespace

def _line_endings(text: str) -> list[Edit]:
    """CRLF, CR and other line separators (form feed, U+2028 …) become "\\n"; one repair."""
    found = list(LINE_BREAKS.finditer(text))
    if not found:
        return []
    crlf = sum(1 for m in found if m.group() == "\r\n")
    detail = f"{len(found)} line breaks to LF ({crlf} CRLF, {len(found) - crlf} other)"
    return [Edit(m.start(), m.end(), "\n", "line-endings" if i == 0 else None, detail)
            for i, m in enumerate(found)]


def _whitespace(text: str) -> list[Edit]:
    """NFC; drop zero-width chars and stray BOMs; control chars and NBSP → space; collapse space
    runs (a run holding U+3000 stays one U+3000: it separates two halves of a headline); strip
    lines; drop blank lines. One summary repair for anything beyond stripping and blank lines."""
    edits, counts, seen_text, marked = [], {}, False, False
    for start, line in _lines(text):
        end, before = start + len(line), dict(counts)
        clean = _clean_line(line, counts)
        if clean:
            if clean != line:
                summary = counts != before and not marked      # the repair goes on the first
                edits.append(Edit(start, end, clean, "whitespace" if summary else None))
                marked |= summary
            seen_text = True
        elif seen_text:                         # drop the line with the newline before it
            edits.append(Edit(start - 1, end, ""))
        else:                                   # leading blank lines: drop with the newline after
            edits.append(Edit(start, min(end + 1, len(text)), ""))
    detail = ", ".join(f"{what}: {n}" for what, n in sorted(counts.items()))
    return [e._replace(detail=detail) if e.kind else e for e in edits]


def _clean_line(line: str, counts: dict[str, int]) -> str:
    def count(what: str, n: int) -> None:
        if n:
            counts[what] = counts.get(what, 0) + n

    nfc = unicodedata.normalize("NFC", line)
    count("NFC", nfc != line)
    kept = nfc.translate(ZERO_WIDTH)
    count("zero-width dropped", len(nfc) - len(kept))
    count("control chars to space", len(CONTROL_NOT_TAB.findall(kept)))
    count("no-break spaces to space", sum(kept.count(c) for c in "\u00a0\u202f"))
    kept = CONTROL_NOT_TAB.sub(" ", kept)

    def collapse(m: re.Match) -> str:
        wanted = "\u3000" if "\u3000" in m.group() else " "
        count("space runs collapsed", m.group() != wanted and len(m.group()) > 1)
        return wanted

    kept = SPACE_ENDS.sub("", kept)
    return SPACES.sub(collapse, kept)


# ---------------------------------------------------------------- transcripts

def _chunk_markers(text: str) -> list[Edit]:
    """A speech flattened into numbered chunks "1、… 2、…" whose numbers cut words: drop the
    markers and glue the chunks. A real list (items ending a sentence, or short items) stays."""
    lines = _lines(text)
    edits = []
    for run in _marker_runs(lines):
        for k, i in enumerate(run):
            start, line = lines[i]
            marker = CHUNK_MARKER.match(line).group()
            rest = line[len(marker):]
            prev = lines[i - 1][1] if k else ""
            cut_from, cut_to, detail = start, start + len(marker), marker.strip()
            if k and not _ends_block(prev):          # the chunk cut a sentence: glue it on
                cut_from = start - 1
                detail += f" {prev[-3:]}|{rest[:3]}"
            elif not rest:                           # a bare marker: drop its line
                cut_from, cut_to = (start - 1, cut_to) if start else (start, cut_to + 1)
            edits.append(Edit(cut_from, min(cut_to, len(text)), "", "chunk-marker", detail))
    return edits


def _marker_runs(lines: list[tuple[int, str]]) -> list[list[int]]:
    """Runs of consecutive lines numbered 1、 2、 3、 … that look like transcript chunks."""
    runs, i = [], 0
    while i < len(lines):
        m = CHUNK_MARKER.match(lines[i][1])
        if not m or int(m.group(1)) != 1:             # int() reads full-width digits too
            i += 1
            continue
        run = [i]
        while run[-1] + 1 < len(lines):
            m = CHUNK_MARKER.match(lines[run[-1] + 1][1])
            if not m or int(m.group(1)) != len(run) + 1:
                break
            run.append(run[-1] + 1)
        i = run[-1] + 1
        body = [lines[j][1] for j in run[:-1]]
        cut = sum(1 for line in body if not _ends_block(line))
        if len(run) >= 2 and 2 * cut > len(body) and sum(map(len, body)) >= 80 * len(body):
            runs.append(run)
    return runs


def _flattened_paragraphs(text: str) -> list[Edit]:
    """In a very long line, a space after sentence-final punctuation was a paragraph break."""
    edits = []
    for start, line in _lines(text):
        if len(line) <= 300:
            continue
        found = list(re.finditer(r"(?<=[。!?!?;;…”」))])[ \u3000]", line))
        for k, m in enumerate(found):
            edits.append(Edit(start + m.start(), start + m.end(), "\n",
                              "flattened-paragraphs" if k == 0 else None,
                              f"line of {len(line)} characters split into {len(found) + 1}"))
    return edits


# ---------------------------------------------------------------- column breaks

def _column_breaks(text: str) -> list[Edit]:
    """Join lines that a PDF column cut in the middle of a sentence or a word."""
    lines = _lines(text)
    edits = []
    block = lines[0][1]
    for start, after in lines[1:]:
        if _continues(block, after):
            glue = " " if block[-1:].isascii() and block[-1:].isalpha() and after[:1].isascii() \
                and after[:1].isalpha() else ""
            edits.append(Edit(start - 1, start, glue, "column-break", f"{block[-3:]}|{after[:3]}"))
            block += glue + after
        else:
            block = after
    return edits


def _continues(first: str, second: str) -> bool:
    """Is `second` the rest of the sentence or word that `first` was cut in?"""
    if (_ends_block(first) or _is_masthead(first) or _is_masthead(second) or _is_credit(first)
            or _is_credit(second) or BLOCK_START.match(second)):
        return False
    if not (len(second) >= 40 or any(c in SENTENCE_PUNCT for c in second)):
        return False                  # a headline, masthead or caption follows, not running text
    if first[-1] in WEAK or _body_like(first):
        return True
    # A short line without sentence punctuation: a headline unless the cut shows.
    if " " in first or "\u3000" in first or BLOCK_START.match(first):
        return False
    return _word_across(first, second) or _cut_fragment(second)


def _body_like(line: str) -> bool:
    return len(line) >= 40 or any(c in SENTENCE_PUNCT for c in line[:-1])


def _ends_block(line: str) -> bool:
    return not line or line[-1] in TERMINAL


def _is_masthead(line: str) -> bool:
    return bool(MASTHEAD.match(line)) and len(line) < 60


def _is_credit(line: str) -> bool:
    return len(line) <= 40 and bool(CREDIT.search(line))


def _word_across(first: str, second: str) -> bool:
    """Does jieba (dictionary only, deterministic) read a word across the line break?"""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    left, right = first[-6:], second[:6]
    pos = 0
    for word in jieba.cut(left + right, HMM=False):
        if pos < len(left) < pos + len(word) and CJK.match(word):
            return True
        pos += len(word)
    return False


def _cut_fragment(second: str) -> bool:
    """`second` opens with a 1–3 character fragment before a comma that is no usual opener:
    the tail of a name or a noun phrase the column cut (…老劳模|代表,…)."""
    m = re.match(r"([\u4e00-\u9fff]{1,3})[,,、]", second)
    return bool(m) and m.group(1) not in OPENERS


# ---------------------------------------------------------------- duplicates

def _doubled_strings(text: str) -> list[Edit]:
    """A string of 8–39 characters (≥ 4 distinct) printed twice in a row, such as a doubled
    headline: drop the second copy. A unit that begins or ends with punctuation is a rhetorical
    echo ("X。X。"), not a mistake. Longer ones are left to `_repeated_passages`."""
    edits, done = [], 0
    for m in re.finditer(r"(?=(.{8,39}?)\1)", text):
        copy, start = m.group(1), m.start() + len(m.group(1))
        if m.start() >= done and len(set(copy)) >= 4 and copy[0] not in PUNCT + " " \
                and copy[-1] not in PUNCT + " ":
            edits.append(Edit(*_seam(text, start, start + len(copy), done), "duplicate", copy))
            done = edits[-1].end
    return edits


def _repeated_passages(text: str, size: int = 40) -> list[Edit]:
    """A passage of ≥ 40 characters (≥ 4 distinct) that already appeared earlier on the page
    and runs to the end of its line or beyond: drop this later copy. A printing mistake repeats
    a block to its end; a document title cited twice inside a sentence, a slogan quoted twice
    or a rhetorical echo (shorter than 40) are left alone."""
    first: dict[str, int] = {}                 # each passage of `size` → where it first occurs
    remember = first.setdefault                # bound once: this loop visits every character
    last = len(text) - size
    edits, j = [], 0
    while j <= last:
        i = remember(text[j:j + size], j)
        if i + size > j or len(set(text[j:j + size])) < 4:
            j += 1
            continue
        n = size
        while j + n < len(text) and i + n < j and text[i + n] == text[j + n]:
            n += 1
        start, end = j, j + n
        while text[start] == "\n":
            start += 1
        while text[end - 1] == "\n":
            end -= 1
        if "\n" in text[start:end] or end == len(text) or text[end] == "\n":
            done = edits[-1].end if edits else 0
            edits.append(Edit(*_seam(text, start, end, done), "duplicate", text[start:end]))
        else:                                  # a legitimate repeat: remember it, look on after
            for k in range(j + 1, j + n):
                first.setdefault(text[k:k + size], k)
        j = max(j + n, edits[-1].end if edits else 0)
    return edits


def _seam(text: str, start: int, end: int, floor: int = 0) -> tuple[int, int, str]:
    """Widen the cut text[start:end] so the text around it stays tidy: no separator left
    dangling at either end of a line, no empty line, no doubled punctuation or space. The cut
    does not reach back before `floor`, where the previous cut ended."""
    def line_start(i: int) -> bool:
        return i == 0 or text[i - 1] == "\n"

    def line_end(i: int) -> bool:
        return i == len(text) or text[i] == "\n"

    new, loose = ("\n" if "\n" in text[start:end] else ""), WEAK + " \u3000"
    if new or line_end(end):                 # the text before the cut now ends a line
        while start > floor and not line_start(start) and text[start - 1] in loose:
            start -= 1
    if new or line_start(start):             # the text after the cut now starts a line
        while not line_end(end) and text[end] in loose:
            end += 1
    if line_start(start) and line_end(end):  # nothing is left of the line: drop it
        return (start, end + 1, "") if end < len(text) else (max(start - 1, floor), end, "")
    if line_start(start) or line_end(end):
        return start, end, ""
    if not new and text[start - 1] in PUNCT and text[end] in PUNCT:
        if text[end] in TERMINAL and text[start - 1] not in TERMINAL and start > floor:
            start -= 1                       # "马大哈,|。" keeps the stronger stop
        else:
            end += 1
    elif not new and text[start - 1] == " " and text[end] == " ":
        end += 1
    return start, end, new
