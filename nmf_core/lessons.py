"""The app's lessons, declared once: what each teaches, the question the class
answers before looking, the page and settings it opens, what to look at, and
a note per figure.  Also the default "what to look at" line of every figure.

The app's lesson picker, the figure captions, the README's lesson list and the
tests all read these tables; nothing here imports streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlencode

LOCAL_URL = "http://localhost:8501/"  # where `streamlit run app.py` serves
LESSON_PARAM = "lesson"  # the URL parameter naming the open lesson

# Every figure with a "what to look at" line: page (its URL path, "" for the
# workbench) -> figure -> the line a student reads beside it.
FIGURE_NOTES: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "": {
        "X": "The data NMF was given. Set it against AS beside it.",
        "AS": "NMF's rebuild of X from its parts. X and AS should look alike: the closer, "
              "the lower the error.",
        "residual": "X − AS: red where the model falls short, blue where it overshoots, "
                    "white where it fits.",
        "A": "Each column is one part (factor); each row says how much of each part it uses.",
        "S": "Each row holds one part's weights: how much of it goes into each column of X.",
        "convergence": "One line per restart, the kept one in bold: do all restarts end at "
                       "the same error?",
        "images_X": "Some of the pictures NMF was given, one per row of X.",
        "images_true": "The parts the pictures were really made from.",
        "images_S": "The parts NMF learned: do they look like pieces of the pictures?",
        "images_free": "Without non-negativity the parts go negative (red) and stop looking "
                       "like pieces.",
        "player_curve": "The dot is where you are: watch how far one step moves the error.",
        "player_AS": "AS at this step: watch it creep towards X; outlines mark the row and "
                     "column the step touched.",
        "player_A": "Outlined rows of A changed in this step; with none outlined, all did.",
        "player_S": "Outlined columns of S changed in this step; with none outlined, all did.",
    },
    "factory": {
        "true_A": "Each factory's true output per hour: what NMF has to find again.",
        "true_S": "Which factory runs on which day (1 = runs): the true schedules.",
        "true_X": "All NMF gets to see: the total output, every factory added together.",
        "variant_AS": "This run's rebuild of X: the closer its colours to X above, the "
                      "better.",
        "variant_curve": "The error after each iteration: lower is better, a flat line means "
                         "it stopped improving.",
    },
    "compare": {
        "by_iteration": "Which method's line falls fastest per iteration, and which ends "
                        "lowest?",
        "by_time": "The same runs against seconds: a cheaper iteration can win the race.",
    },
    "choose_k": {
        "k_scan": "The fit error always falls with k; the held-out error is lowest (the "
                  "star) at the k to choose.",
        "stability": "Near 1 means the restarts agree on the clusters: look for the k "
                     "before the curve drops.",
        "consensus": "Bright square blocks on the diagonal mean the restarts agree on "
                     "which items belong together.",
    },
    "recommend": {
        "rec_errors": "Lower is better: how much closer than the simple baselines does NMF "
                      "guess unseen ratings?",
        "rec_k_curve": "The error on held-out ratings against k: its lowest point is the k "
                       "the model uses.",
        "rec_reg_curve": "Too little λ overfits, too much flattens every taste: the dotted "
                         "line is the choice.",
    },
})


@dataclass(frozen=True)
class Lesson:
    """One lesson: it opens ``page`` with ``settings`` (URL parameters, as text;
    a setting not named takes the page's default) and shows its goal and
    question; ``notes`` replace the figures' own lines (keys of
    ``FIGURE_NOTES[page]``) while it is open."""

    slug: str
    title: str
    goal: str
    question: str
    page: str
    settings: Mapping[str, str]
    look_at: tuple[str, ...]
    notes: Mapping[str, str] = field(default_factory=dict)
    about: str = ""  # the README's paragraph: what the class does and sees

    @property
    def query(self) -> dict[str, str]:
        """The URL parameters that open this lesson: its settings, then its name."""
        return {**self.settings, LESSON_PARAM: self.slug}

    def url(self, base: str = LOCAL_URL) -> str:
        """The link that opens this lesson on the server at ``base``."""
        return f"{base}{self.page}?{urlencode(self.query, safe=',')}"


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        slug="documents",
        title="What the documents' code gets wrong",
        goal="See how a few slips in the documents' code decide their conclusions.",
        question="Which run will end lowest: the documents' code as written, the corrected "
                 "ALS, or HALS?",
        page="factory",
        settings={"fx_predict": "true", "fx_log_y": "true"},
        look_at=(
            "Predict first, then press Reveal.",
            "The three error curves: which flattens early, and where?",
            "The Negatives count: NMF should have none.",
            "Each defect at the foot of the page, with its effect measured live.",
        ),
        notes={
            "variant_curve": "As written stalls near 0.7; the corrected runs fall far lower "
                             "with the same settings.",
            "variant_AS": "Does this rebuild still look like X? Compare the three columns.",
        },
        about="The factory example with the documents' own settings (`nmfals(X, 3, 100, "
              "10)`, seed 1). *Predict first* is on: the class says which run ends lowest, "
              "presses *Reveal*, and then reads each defect with its effect measured live. "
              "Try `method` rk, or `sampling` sweep, and predict again.",
    ),
    Lesson(
        slug="restarts",
        title="Restarts and non-uniqueness",
        goal="See why restarts exist, and that a perfect fit need not find the true factors.",
        question="Will the ten restarts end at the same error?",
        page="",
        settings={"method": "als", "sampling": "random", "niter": "300", "reinit": "10",
                  "log_y": "true", "hide": "init,row_sampling"},
        look_at=(
            "The faint curves: how far apart do the restarts end?",
            "Did it find the true factors? The third factory's similarity.",
            "Then switch the method to hals and compare both.",
        ),
        notes={
            "convergence": "The faint restarts end up to a hundredfold apart: that is why we "
                           "restart and keep the best.",
            "residual": "Where is the kept restart still wrong? Red and blue show it.",
        },
        about="Projected ALS with one random column and row per step, ten restarts: the "
              "faint curves end up to a hundredfold apart (3e-4 to 3e-2), which is why "
              "restarts exist. *Did it find the true factors?* shows the third factory "
              "recovered only to a similarity of 0.97. Switch the method to hals: the error "
              "falls to 2e-16, an exact fit, yet the third factory's similarity drops to "
              "0.94: the data are matched perfectly by factors that are not the true ones, "
              "because NMF is not unique. Turn on *Step through the best restart* to watch "
              "which column of S and row of A each step updates.",
    ),
    Lesson(
        slug="choose_k",
        title="Choosing k",
        goal="See how held-out cells tell you how many factors the data hold.",
        question="The data were made from 5 factors plus noise: where will each curve be "
                 "lowest?",
        page="choose_k",
        settings={"data": "synthetic", "noise": "0.2"},
        look_at=(
            "The fit curve: does it ever stop falling?",
            "The held-out curve: where is its minimum (the star)?",
            "Raise noise, or lower n and m, and watch the minimum blur.",
        ),
        notes={
            "k_scan": "The fit error keeps falling; the held-out error is lowest at k = 5 "
                      "and rises after it.",
        },
        about="Synthetic data made from 5 factors plus noise. The fit error keeps falling "
              "with k; the held-out error is lowest at k = 5 (the star) and rises after it. "
              "Raise `noise` or lower `n` and `m` and watch the minimum blur.",
    ),
    Lesson(
        slug="recommender",
        title="NMF as a recommender",
        goal="See NMF fill in the ratings nobody gave, and read its factors as genres.",
        question="User 7 rated mostly Romance films: what will NMF recommend them, and will "
                 "it beat guessing each film's average?",
        page="recommend",
        settings={"rec_user": "user 7"},
        look_at=(
            "The bars: the model's held-out error beside the four baselines.",
            "The k curve: lowest at the planted number of genres?",
            "User 7's top 10, and the factor behind each: what genre is it?",
        ),
        notes={
            "rec_errors": "NMF's bar should be clearly lowest: the factors add what the "
                          "biases alone miss.",
            "rec_k_curve": "Lowest at k = 5, the number of genres the films were made from.",
        },
        about="Synthetic films: 300 users rate 10 % of 200 films made from 5 named genres, "
              "each user with planted tastes. NMF is fitted to the observed ratings only; k "
              "and λ are chosen by cross-validation on the training ratings (the curves: "
              "lowest at k = 5, the planted number of genres). The bars set its held-out RMSE "
              "(0.74 stars) beside four baselines (the best, user + item biases, 0.98). User "
              "7 rated mostly Romance films; their top 10 are unseen Romance films, each "
              "explained by one factor whose top films are Romance: a factor reads as a "
              "genre. Raise `noise` or lower `density` and watch the gap to the baselines "
              "shrink. The same from a terminal: `python3 -m nmf_core recommend ratings.csv "
              "--k auto --user 7 --json`.",
    ),
    Lesson(
        slug="l1_sparse",
        title="L1 makes parts sparse",
        goal="See an L1 penalty trade a little fit for sparser parts, and when it does not.",
        question="With an L1 penalty on A and S, will the parts get sparser, and what will "
                 "it cost in error?",
        page="",
        settings={"data": "bars", "k": "8", "alpha_A": "0.01",
                  "l1_ratio": "1"},
        look_at=(
            "The blue line under the metrics: Hoyer sparseness of A and S without and with L1.",
            "The relative error: how much fit did the sparseness cost?",
            "The parts as pictures: fewer grey pixels, crisper bars?",
            "Then set k to 16, the true number of bars, and read the line again.",
        ),
        notes={
            "images_S": "With L1 each learned part lights fewer pixels: compare with the "
                        "penalty at 0.",
            "S": "Each row is one part: with L1 more of its weights are exactly zero.",
        },
        about="Bars images (8×8, 16 bars) factored by hals with k = 8 and an L1 penalty "
              "(alpha_A = 0.01, alpha_S the same, l1_ratio = 1, scikit-learn's scaling). The "
              "line under the metrics sets the Hoyer sparseness (0 flat, 1 a single non-zero) "
              "of A and S beside the same run with alpha 0, both measured live: A 0.51 → "
              "0.57, S 0.60 → 0.65, for a relative error of 0.60 instead of 0.58. With k = "
              "16 the parts are sparse already and L1 only costs fit; raise alpha_A to 0.05 "
              "and whole parts vanish.",
    ),
)

BY_SLUG: Mapping[str, Lesson] = MappingProxyType({lesson.slug: lesson for lesson in LESSONS})


def figure_note(page: str, figure: str, lesson: Lesson | None = None) -> str:
    """The line beside ``figure`` on ``page``: the open lesson's note for it
    when it has one, else the figure's own line."""
    if lesson is not None and lesson.page == page and figure in lesson.notes:
        return lesson.notes[figure]
    return FIGURE_NOTES[page][figure]


# --------------------------------------------------------------------------- README
README_BEGIN = "<!-- BEGIN lesson list: generated from nmf_core/lessons.py -->"
README_END = "<!-- END lesson list -->"


def readme_list(base: str = LOCAL_URL) -> str:
    """The README's list of lessons, written from :data:`LESSONS`."""
    items = []
    for number, lesson in enumerate(LESSONS, start=1):
        items.append(
            f"{number}. **{lesson.title}** —\n   <{lesson.url(base)}>\n"
            + _wrap(f"*Goal:* {lesson.goal} *Ask first:* {lesson.question} {lesson.about}",
                    indent="   "))
    return "".join(items).rstrip("\n")


def _wrap(text: str, indent: str, width: int = 92) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(indent) + len(line) + 1 + len(word) > width:
            lines.append(indent + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(indent + line)
    return "\n".join(lines) + ("\n" if lines else "")


def readme_block(text: str) -> str:
    """The lesson list between the markers in a README's ``text``."""
    start = text.index(README_BEGIN) + len(README_BEGIN)
    return text[start:text.index(README_END, start)].strip("\n")


def write_readme(path: Path) -> bool:
    """Rewrite the lesson list in the README at ``path``; returns whether it changed."""
    text = path.read_text(encoding="utf-8")
    if readme_block(text) == readme_list():
        return False
    start = text.index(README_BEGIN) + len(README_BEGIN)
    end = text.index(README_END, start)
    path.write_text(f"{text[:start]}\n{readme_list()}\n{text[end:]}", encoding="utf-8")
    return True


if __name__ == "__main__":  # python -m nmf_core.lessons: refresh the README's list
    readme = Path(__file__).resolve().parents[1] / "README.md"
    print("README.md updated" if write_readme(readme) else "README.md already up to date")
