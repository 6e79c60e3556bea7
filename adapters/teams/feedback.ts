// Teams' feedback loop: a thumbs up/down click arrives as an invoke named message/submitAction with
// value { actionName: "feedback", actionValue: { reaction: "like" | "dislike", feedback: "<JSON>" } },
// where feedback is a JSON string such as {"feedbackText":"..."}.

export interface TeamsFeedback {
  reaction: "positive" | "negative";
  text?: string;
}

export function feedbackFromInvoke(value: unknown): TeamsFeedback | undefined {
  const v = value as
    | { actionName?: string; actionValue?: { reaction?: string; feedback?: unknown } }
    | undefined;
  if (v?.actionName !== "feedback") return undefined;
  const reaction =
    v.actionValue?.reaction === "like"
      ? "positive"
      : v.actionValue?.reaction === "dislike"
        ? "negative"
        : undefined;
  if (!reaction) return undefined;
  return { reaction, text: feedbackText(v.actionValue?.feedback) };
}

function feedbackText(raw: unknown): string | undefined {
  if (typeof raw !== "string" || raw === "") return undefined;
  try {
    const parsed = JSON.parse(raw) as { feedbackText?: unknown };
    return typeof parsed.feedbackText === "string" && parsed.feedbackText !== ""
      ? parsed.feedbackText
      : undefined;
  } catch {
    return raw;
  }
}
