/**
 * The demo quiz in the student view: its phases and their status, and the open phase's questions, each started
 * (startAttempt: the server's clock times it) and answered (submitAnswer) in a form of its type. Phase status and
 * results are live (watchQuizProgress, watchAnswers): a teacher's review of an essay shows here as soon as it is saved.
 */
import { watchAnswers, watchQuizProgress, type AnswerDoc, type QuizProgressDoc } from "../../client/src/live.ts";
import { progressView, type QuestionFacts } from "../../functions/src/quizzes/progress.ts";
import type { SubmitAnswerRequest } from "../../functions/src/schemas/answers.ts";
import type { QuizDoc } from "../../functions/src/schemas/quizzes.ts";
import { DEMO_QUESTIONS, DEMO_QUIZ, DEMO_QUIZ_ID } from "@learnpulse/local-stack/seed.ts";
import type { Session } from "./session.ts";
import { el } from "./ui.ts";

interface Question {
  type: string;
  prompt: string;
  options?: Array<{ id: string; text: string }>;
  allowMultiple?: boolean;
  left?: string[];
  right?: string[];
  blankCount?: number;
  timeLimitSec?: number;
}

type Answer = SubmitAnswerRequest["answer"];

/** What the phase statuses need of each question, as the server reads them (getQuizProgress's view). */
const FACTS = new Map<string, QuestionFacts>(
  Object.entries(DEMO_QUESTIONS).map(([id, { question }]) => [id, { points: Number(question["points"] ?? 1), maxAttempts: (question["maxAttempts"] as number | undefined) ?? null }]),
);

export function mountQuizPanel(session: Session, showError: (error: unknown) => void): { card: HTMLElement; watch(): Array<() => void> } {
  const phases = el("ol", { class: "phases", id: "quiz-phases" });
  const questions = el("ul", { class: "questions", id: "quiz-questions" });
  const summary = el("p", { class: "muted", id: "quiz-status" }, "not started");
  const card = el("article", { class: "card wide" }, el("h2", {}, `Quiz: ${DEMO_QUIZ.title}`), summary, phases, questions);
  let progress: QuizProgressDoc | null = null;
  const results = new Map<string, AnswerDoc>();

  function render(): void {
    // The stored document holds only the phases answered so far; the view derives every phase's status from it.
    const view = progressView(progress ?? undefined, DEMO_QUIZ_ID, DEMO_QUIZ as QuizDoc, FACTS);
    summary.textContent = view.status.replace("_", " ");
    summary.dataset["status"] = view.status;
    phases.replaceChildren(...view.phases.map((phase, index) => el("li", { "data-phase": phase.phaseId, "data-status": phase.status }, `${DEMO_QUIZ.phases[index]?.title} · ${phase.status} · ${phase.score} of ${phase.maxScore} points`)));
    // Every phase that is not locked: passed ones stay, with their results.
    const unlocked = view.phases.filter((phase) => phase.status !== "locked").flatMap((phase) => DEMO_QUIZ.phases.find((p) => p.phaseId === phase.phaseId)?.questionIds ?? []);
    for (const questionId of unlocked) {
      let row = questions.querySelector<HTMLElement>(`[data-question="${questionId}"]`);
      if (!row) questions.append((row = questionRow(questionId)));
      const result = row.querySelector<HTMLElement>(".result") as HTMLElement;
      const answer = results.get(questionId);
      if (!answer) continue;
      result.dataset["status"] = answer.status;
      result.dataset["points"] = String(answer.pointsEarned);
      result.textContent =
        answer.status === "pending_review" ? "Waiting for a teacher's review." : `${answer.pointsEarned} of ${answer.maxPoints} points${answer.feedback ? ` · ${answer.feedback}` : ""}`;
    }
  }

  function questionRow(questionId: string): HTMLElement {
    const question = DEMO_QUESTIONS[questionId]?.question as unknown as Question;
    const start = el("button", { type: "button", class: "start" }, question.timeLimitSec ? `Start (${question.timeLimitSec} s)` : "Start");
    const body = el("div", {});
    const result = el("p", { class: "result muted" });
    const row = el("li", { "data-question": questionId }, el("p", {}, question.prompt), start, body, result);
    start.addEventListener("click", () => {
      start.disabled = true;
      void (async () => {
        try {
          const lp = await session.client();
          const attemptId = crypto.randomUUID();
          const started = await lp.startAttempt({ questionId, attemptId, quizId: DEMO_QUIZ_ID });
          const input = answerInput(question);
          const submit = el("button", { type: "submit", class: "primary" }, "Submit");
          const form = el("form", {}, input.node, submit, started.deadline ? el("span", { class: "muted" }, ` answer by ${new Date(started.deadline).toLocaleTimeString()}`) : "");
          body.replaceChildren(form);
          form.addEventListener("submit", (event) => {
            event.preventDefault();
            submit.disabled = true;
            lp.submitAnswer({ questionId, attemptId, quizId: DEMO_QUIZ_ID, answer: input.value(), timeSpentMs: 1_000 }).then(
              () => body.replaceChildren(),
              (error: unknown) => {
                submit.disabled = false;
                showError(error);
              },
            );
          });
        } catch (error) {
          start.disabled = false;
          showError(error);
        }
      })();
    });
    return row;
  }

  return {
    card,
    watch() {
      progress = null;
      results.clear();
      questions.replaceChildren();
      const subscribed = session.reader().then(({ db, uid }) => [
        watchQuizProgress(db, uid, DEMO_QUIZ_ID, { next: (doc) => ((progress = doc), render()), error: showError }),
        watchAnswers(db, uid, { quizId: DEMO_QUIZ_ID }, {
          next: (answers) => {
            results.clear();
            // The latest attempt of each question wins: answers come ordered by id, so order by attempt here.
            for (const answer of [...answers].sort((a, b) => a.attemptNumber - b.attemptNumber)) results.set(answer.questionId, answer);
            render();
          },
          error: showError,
        }),
      ]);
      render();
      return [() => void subscribed.then((stops) => stops.forEach((stop) => stop()), () => undefined)];
    },
  };
}

/** A form control for each answer type, and the answer it makes (API.md's answer table). */
function answerInput(question: Question): { node: HTMLElement; value(): Answer } {
  const labelled = (name: string, control: HTMLElement) => el("label", {}, `${name} `, control);
  switch (question.type) {
    case "true_false": {
      const select = el("select", { name: "value" }, el("option", { value: "true" }, "true"), el("option", { value: "false" }, "false"));
      return { node: select, value: () => ({ value: select.value === "true" }) };
    }
    case "multiple_choice": {
      const options = question.options ?? [];
      if (question.allowMultiple) {
        const boxes = options.map((o) => el("input", { type: "checkbox", name: "choices", value: o.id }));
        return { node: el("div", {}, ...boxes.map((box, i) => labelled(options[i]?.text ?? "", box))), value: () => ({ choices: boxes.filter((b) => b.checked).map((b) => b.value) }) };
      }
      const select = el("select", { name: "choice" }, ...options.map((o) => el("option", { value: o.id }, o.text)));
      return { node: select, value: () => ({ choice: select.value }) };
    }
    case "fill_blank": {
      const blanks = Array.from({ length: question.blankCount ?? 1 }, (_, i) => el("input", { type: "text", name: `blank-${i}`, maxlength: "200" }));
      return { node: el("div", {}, ...blanks), value: () => ({ blanks: blanks.map((b) => b.value) }) };
    }
    case "numeric": {
      const input = el("input", { type: "number", name: "value", step: "any" });
      return { node: input, value: () => ({ value: Number(input.value) }) };
    }
    case "ordering": {
      const input = el("input", { type: "text", name: "order", placeholder: (question.options ?? []).map((o) => o.id).join(", ") });
      return { node: labelled("order", input), value: () => ({ order: input.value.split(",").map((s) => s.trim()).filter(Boolean) }) };
    }
    case "matching": {
      const selects = (question.left ?? []).map((left) => [left, el("select", { name: `match-${left}` }, ...(question.right ?? []).map((r) => el("option", { value: r }, r)))] as const);
      return { node: el("div", {}, ...selects.map(([left, select]) => labelled(left, select))), value: () => ({ pairs: selects.map(([left, select]) => ({ left, right: select.value })) }) };
    }
    case "short_answer": {
      const input = el("input", { type: "text", name: "text", maxlength: "2000" });
      return { node: input, value: () => ({ text: input.value }) };
    }
    default: {
      // essay, speaking, audio: the page records no media, so the answer is text.
      const text = el("textarea", { name: "text", rows: "3", maxlength: "2000" });
      return { node: text, value: () => ({ text: text.value }) };
    }
  }
}
