"""Training text from the shipped data sets: labelled messages, category names, and the
unlabelled messages (datasets.py reads the files; nothing here touches the database)."""

from tongxin.triage.datasets import rows

UNLABELLED = ("messages_unlabelled", "messages_with_votes", "messages_with_replies")


def message_text(title, description):
    """Return the text the suggester reads: the title, then the description."""
    return f"{(title or '').strip()}\n{(description or '').strip()}".strip()


def labelled():
    """Return (texts, kinds) of the 2,796 labelled messages (一级分类 = top-level kind)."""
    data = rows("messages_labelled")
    return ([message_text(r["留言主题"], r["留言详情"]) for r in data],
            [r["一级分类"].strip() for r in data])


def unlabelled():
    """Return the texts of the unlabelled messages (about 9,900)."""
    return [message_text(r["留言主题"], r["留言详情"]) for name in UNLABELLED for r in rows(name)]


def name_documents(paths):
    """Return (texts, kinds): one short pseudo-message per category below the top level,
    its own name after its parent's, labelled with its top-level kind.

    ``paths`` are (top, second, third or None) names, e.g. matters.categories.tree_rows().
    """
    seen, texts, kinds = set(), [], []
    for top, second, third in paths:
        text = f"{second} {third}" if third else second
        if (top, text) not in seen and second != "其他":
            seen.add((top, text))
            texts.append(text)
            kinds.append(top)
    return texts, kinds
