"""Messages of the poll engine's error keys (English msgids; merged into bot/i18n/errors.py)."""

from __future__ import annotations

from bot.i18n import N_

POLL_ERROR_MESSAGES: dict[str, str] = {
    # polls
    "poll.unknown": N_("There is no poll number {poll}."),
    "poll.bad_spec": N_("This poll description is incomplete or damaged. Please start again."),
    "poll.title_empty": N_("A poll needs a title."),
    "poll.title_too_long": N_("The title is too long ({max} characters at most)."),
    "poll.summary_too_long": N_("The summary is too long ({max} characters at most)."),
    "poll.too_many_questions": N_("A poll may have at most {max} questions."),
    "poll.deliberation_associates_only": N_(
        "A deliberation is voted by associates only: its audience cannot include other roles."
    ),
    "poll.bad_dates": N_("The closing time must come after the opening time."),
    "poll.bad_quorum": N_("The quorum must be between 0 % and 100 %."),
    "poll.bad_majority": N_("The majority must be between 50 % and 100 %."),
    "poll.not_draft": N_(
        "Poll {poll} can no longer be changed: only a draft can be edited (it is {status})."
    ),
    "poll.bad_transition": N_("Poll {poll} is {status}: it cannot become {target}."),
    "poll.no_questions": N_("Poll {poll} has no question yet. Add at least one first."),
    "poll.closes_in_past": N_("The closing time of poll {poll} has already passed."),
    "poll.opens_in_past": N_(
        "To schedule poll {poll}, give an opening time in the future (or open it now)."
    ),
    "poll.statutes_invalid": N_(
        "Poll {poll} cannot open: the weights of the collèges do not follow the SCIC rules "
        "yet. Fix them with {p}weights."
    ),
    "poll.not_open": N_("Poll {poll} is not open yet."),
    "poll.closed": N_("Poll {poll} is closed: answers are no longer accepted."),
    "poll.cancelled": N_("Poll {poll} was cancelled."),
    "poll.not_eligible": N_("Sorry, poll {poll} is not open to you."),
    "poll.results_hidden": N_("The results of poll {poll} are not available to you yet."),
    "poll.export_after_close": N_(
        "Poll {poll} is a secret ballot: its ballots can be exported once it is closed."
    ),
    # questions
    "question.prompt_empty": N_("Question {question} has no text."),
    "question.prompt_too_long": N_("Question {question} is too long ({max} characters at most)."),
    "question.too_few_options": N_("Question {question} needs at least {min} options."),
    "question.too_many_options": N_("Question {question} may have at most {max} options."),
    "question.bad_option_keys": N_("The options of question {question} are damaged."),
    "question.bad_option_label": N_(
        "Every option of question {question} needs a text of {max} characters at most."
    ),
    "question.duplicate_option": N_("Question {question} has the same option twice."),
    "question.options_not_allowed": N_("Question {question} does not take options."),
    "question.bad_selections": N_(
        "Question {question}: the number of choices must be between 0 and {count}, with a "
        "maximum of at least 1."
    ),
    "question.bad_grades": N_(
        "Question {question} needs between 2 and {max} different grades, best first."
    ),
    "question.bad_scale": N_(
        "Question {question}: the scale must go from a smaller to a larger whole number "
        "({max} steps at most)."
    ),
    "question.bad_max_length": N_(
        "Question {question}: the answer length must be between 1 and {max} characters."
    ),
    "question.bad_setting": N_("Question {question} has a setting I do not understand."),
    # ballots and answers
    "ballot.missing_answer": N_("Question {question} needs an answer."),
    "ballot.unknown_question": N_("There is no question {question} in this poll."),
    "answer.empty": N_("Please type an answer."),
    "answer.blank_not_allowed": N_("This question does not accept a blank vote."),
    "answer.not_a_number": N_("“{text}” is not a choice number."),
    "answer.not_an_option": N_(
        "“{text}” is not one of the choices. Type a number from 1 to {count}."
    ),
    "answer.no_such_option": N_("There is no choice {number}. Type a number from 1 to {count}."),
    "answer.duplicate_option": N_("You gave choice {number} twice."),
    "answer.too_few_choices": N_("Please choose at least {min}."),
    "answer.too_many_choices": N_("Please choose at most {max}."),
    "answer.judgment_format": N_(
        "Give one grade per option, for example 1:2 2:1 3:5 (option:grade). Grades: {grades}."
    ),
    "answer.unknown_grade": N_("“{text}” is not a grade. Grades: {grades}."),
    "answer.grade_twice": N_("You graded option {number} twice."),
    "answer.too_many_grades": N_("You gave {count} grades but there are {options} options."),
    "answer.not_on_scale": N_("“{text}” is not on the scale: type a number from {min} to {max}."),
    "answer.scale_out_of_range": N_(
        "{text} is outside the scale: type a number from {min} to {max}."
    ),
    "answer.text_too_long": N_("Your answer is too long ({length} characters, {max} at most)."),
}
