import { describe, expect, it } from "vitest";
import { PLATFORMS, SESSION_STATUSES, TAP_OUTCOMES, enrollmentStatus, platformLabel, sessionStatus, tapOutcome } from "./labels";

describe("labels", () => {
  it("words every platform, never the wire value", () => {
    for (const platform of PLATFORMS) expect(platformLabel(platform)).not.toBe(platform);
    expect(platformLabel("IOS")).toBe("iOS");
  });

  it("words and explains every session status, with one tone each", () => {
    for (const status of SESSION_STATUSES) {
      const label = sessionStatus(status);
      expect(label.label).not.toBe(status);
      expect(label.explanation?.length).toBeGreaterThan(10);
    }
    expect(sessionStatus("FAILED").tone).toBe("danger");
    expect(sessionStatus("FINALIZED").tone).toBe("success");
  });

  it("explains every tap outcome and failure reason", () => {
    for (const outcome of TAP_OUTCOMES) {
      const label = tapOutcome(outcome);
      expect(label.label).not.toMatch(/_/);
      expect(label.explanation).toBeTruthy();
    }
  });

  it("shows a value Kustom may add later as sent, in the neutral tone", () => {
    expect(sessionStatus("ON_HOLD")).toEqual({ label: "ON_HOLD", tone: "neutral" });
    expect(enrollmentStatus("REVOKED").label).toBe("REVOKED");
  });
});
