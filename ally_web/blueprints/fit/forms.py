"""The fit result form: the fitter's questions per foot, the measurement card, and
the size to make. Fields only carry what was typed; the service checks it all."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from ally_web import policy
from ally_web.services import made_to_order

_SIZES = [SelectChoice(str(s).removesuffix(".0"), made_to_order.size_label(int(s * 2), "").strip())
          for s in policy.SIZES]
_WIDTHS = [SelectChoice(code, words) for code, words in policy.WIDTHS.items()]


class FitForm(FlaskForm):
    card_size = StringField("Size shown on the measurement card (optional)", validators=[Length(max=10)])
    card_width = SelectField("Width shown on the card (optional)", validate_choice=False,
                             choices=[SelectChoice("", "Not measured"), *_WIDTHS])
    chosen_size = SelectField("Size to make", validate_choice=False,
                              choices=[SelectChoice("", "As suggested"), *_SIZES])
    chosen_width = SelectField("Width to make", validate_choice=False,
                               choices=[SelectChoice("", "As suggested"), *_WIDTHS])
    chosen_reason = TextAreaField("Why another size? (only if you choose one that differs from the suggestion)",
                                  validators=[Length(max=made_to_order.MAX_REASON_LENGTH + 200)])

    def answers(self) -> made_to_order.FitAnswers:
        return made_to_order.FitAnswers(
            answers={foot: {q.key: self[f"{foot}_{q.key}"].data or "" for q in made_to_order.QUESTIONS}
                     for foot in made_to_order.FEET},
            card_size=self.card_size.data or "", card_width=self.card_width.data or "",
            chosen_size=self.chosen_size.data or "", chosen_width=self.chosen_width.data or "",
            chosen_reason=self.chosen_reason.data or "",
        )

    def fill(self, given: made_to_order.FitAnswers) -> None:
        """Show a result sent earlier."""
        for foot, answers in given.answers.items():
            for key, value in answers.items():
                if f"{foot}_{key}" in self:
                    self[f"{foot}_{key}"].data = value
        self.card_size.data, self.card_width.data = given.card_size, given.card_width
        self.chosen_size.data, self.chosen_width.data = given.chosen_size, given.chosen_width
        self.chosen_reason.data = given.chosen_reason

    def questions(self, foot: str):
        return [self[f"{foot}_{q.key}"] for q in made_to_order.QUESTIONS]


for _foot, _foot_words in made_to_order.FEET.items():
    for _question in made_to_order.QUESTIONS:
        setattr(FitForm, f"{_foot}_{_question.key}", RadioField(
            _question.label, validate_choice=False,
            choices=[SelectChoice(value, words) for value, words in _question.choices],
        ))
