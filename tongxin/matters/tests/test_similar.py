"""The "me too" search's ranking (similar.py): which matters it offers for what a resident
types. The pins below were taken from the first implementation (a max over the whole
vocabulary for every bigram), so that a faster one is proven to give the same answers."""

from types import SimpleNamespace

import pytest

from tongxin.matters.similar import rank_similar, rank_texts
from tongxin.triage.datasets import rows

MESSAGES = rows("messages_with_votes")


def typed_row(number):
    """What a resident types who copies a message: its subject and the start of its text."""
    return MESSAGES[number]["留言主题"] + " " + MESSAGES[number]["留言详情"][:60]


# (what is typed, [(candidate number, similarity)] offered, best first), over the first 500
# messages of the TipDM 2020 board as the open matters of a compound.
OFFERED = [
    ('A市有些公交站牌的信息不全面',
     [(225, 0.147)]),
    ('A7县星沙部分地区公交站无站牌',
     [(225, 0.198)]),
    ('A2区南湖路森宇家园餐馆油烟扰民',
     [(130, 0.142)]),
    ('请A市加快高铁西站的建设力度',
     [(151, 0.252), (486, 0.13)]),
    ('A2区暮云镇南托街道几个麻将馆扰民',
     [(428, 0.122), (419, 0.12)]),
    ('A市古曲南路广益实验中学门口摊贩脏乱差',
     [(478, 0.175)]),
    ('A4区金鹰小学附近噪音扰民影响上课',
     [(382, 0.139)]),
    ('A7县江背镇农村集体经济组织成员资格是怎么界定的',
     [(135, 0.186), (337, 0.177)]),
    ('咨询A7县东十一路的建设进展及泉塘片区发展规划问题',
     [(442, 0.13)]),
    ('A市东山湾路什么时候修？',
     []),
    ('再次反映A市金茂府一房二卖问题',
     []),
    (typed_row(10),
     [(10, 0.866)]),
    (typed_row(77),
     [(77, 0.996), (98, 0.5), (68, 0.258), (33, 0.23), (105, 0.211)]),
    (typed_row(151),
     [(151, 0.739)]),
    (typed_row(300),
     [(300, 0.54)]),
    (typed_row(499),
     [(499, 0.534)]),
    ('东门口电动车停得乱七八糟，消防通道堵死了',
     []),
    ('小区北门的路灯不亮了',
     [(229, 0.243), (120, 0.219)]),
    ('电',
     []),
]


@pytest.fixture(scope="module")
def board():
    return [SimpleNamespace(number=n, title=r["留言主题"], description=r["留言详情"])
            for n, r in enumerate(MESSAGES[:500])]


@pytest.mark.parametrize("typed,offered", OFFERED, ids=[f"typed{n}" for n in range(len(OFFERED))])
def test_similar_offers_the_same_matters_as_the_first_implementation(board, typed, offered):
    found = rank_similar(typed, board)
    assert [(c.number, c.similarity) for c in found] == offered


def test_similar_offers_the_same_matters_whatever_was_asked_before(board):
    """The per-process cache of each text's bigrams never changes an answer."""
    typed, offered = OFFERED[12]
    rank_similar("小区北门的路灯不亮了", board[::-1])
    assert [(c.number, c.similarity) for c in rank_similar(typed, board)] == offered
    assert [(c.number, c.similarity) for c in rank_similar(typed, board[:200])] != offered


def test_a_candidate_without_a_word_scores_nothing_and_breaks_nothing():
    assert rank_texts("路灯坏了好几天", ["", "123 456", "路灯坏了", "！！"]) == [(2, 0.628)]
    assert rank_texts("路灯坏了好几天", []) == []
    assert rank_texts("", ["路灯坏了"]) == []
