/**
 * The teacher's "Reviews" view: the queue of answers waiting for a person (listPendingReviews, oldest first) and, for
 * the one picked, the answer with a score and feedback form (reviewAnswer). Needs the `teacher` (or `admin`) claim.
 */
import type { ListPendingReviewsResponse } from "../../functions/src/schemas/reviews.ts";
import type { Session } from "./session.ts";
import { el, errorText } from "./ui.ts";

type Pending = ListPendingReviewsResponse["items"][number];

export function mountReviewsView(root: HTMLElement, session: Session): { refresh(): Promise<void> } {
  const status = el("p", { class: "error", id: "reviews-error" });
  const queue = el("ul", { id: "review-queue", class: "queue" });
  const detail = el("div", { id: "review-detail" }, el("p", { class: "muted" }, "Pick an answer from the queue."));
  const result = el("p", { id: "review-result", class: "muted" });

  root.replaceChildren(
    status,
    el("div", { class: "grid" }, el("article", { class: "card" }, el("h2", {}, "Waiting for a review"), queue), el("article", { class: "card" }, el("h2", {}, "Answer"), detail, result)),
  );

  function show(item: Pending): void {
    const score = el("input", { type: "number", id: "review-score", min: "0", step: "0.5", required: "", "aria-label": "Score in points" });
    const feedback = el("textarea", { id: "review-feedback", rows: "4", maxlength: "4000", required: "", "aria-label": "Feedback" });
    const submit = el("button", { type: "submit", id: "review-submit", class: "primary" }, "Save review");
    const form = el("form", { id: "review-form" }, el("label", {}, "Score ", score), el("label", {}, "Feedback ", feedback), submit);
    const text = typeof item.answer["text"] === "string" ? item.answer["text"] : `media: ${String(item.answer["mediaRef"] ?? "")}`;
    detail.replaceChildren(
      el("p", {}, el("strong", {}, item.type), ` · question ${item.questionId}${item.quizId ? ` · quiz ${item.quizId}` : ""} · learner ${item.uid}`),
      el("blockquote", { id: "review-answer" }, text),
      form,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit.disabled = true;
      void (async () => {
        try {
          const lp = await session.client();
          const reviewed = await lp.reviewAnswer({ answerId: item.answerId, score: Number(score.value), feedback: feedback.value });
          result.textContent = `Saved: ${reviewed.pointsEarned} of ${reviewed.maxPoints} points, ${reviewed.isCorrect ? "passed" : "not passed"} (revision ${reviewed.revision}).`;
          result.dataset["answer"] = item.answerId;
          await refresh();
        } catch (error) {
          status.textContent = errorText(error);
        } finally {
          submit.disabled = false;
        }
      })();
    });
  }

  async function refresh(): Promise<void> {
    try {
      const lp = await session.client();
      const page = await lp.listPendingReviews({ limit: 20 });
      status.textContent = "";
      queue.replaceChildren(
        ...(page.items.length
          ? page.items.map((item) => {
              const pick = el("button", { type: "button", class: "link" }, `${item.type} from ${item.uid}, ${new Date(item.submittedAt).toLocaleString()}`);
              pick.addEventListener("click", () => show(item));
              return el("li", { "data-answer": item.answerId }, pick);
            })
          : [el("li", { class: "muted" }, "Nothing waits for a review.")]),
      );
    } catch (error) {
      status.textContent = errorText(error);
    }
  }

  return { refresh };
}
