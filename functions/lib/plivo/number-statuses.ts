/**
 * The per-number statuses of a fulfilled rent or buy: "Success" (rented and active), "pending"
 * (in the account, awaiting verification documents), anything else a failure with Plivo's text.
 */
const SUCCESS = /^success$/i;
const PENDING = /^pending$/i;

export interface NumberStatuses {
  /** Rented and active. */
  rented: string[];
  /** In the account but not active until Plivo approves the verification documents. */
  pending: string[];
  /** Not rented, with Plivo's status text. */
  failed: { number: string; status: string }[];
}

export function splitNumberStatuses(numbers: readonly { number: string; status: string }[]): NumberStatuses {
  return {
    rented: numbers.filter((n) => SUCCESS.test(n.status)).map((n) => n.number),
    pending: numbers.filter((n) => PENDING.test(n.status)).map((n) => n.number),
    failed: numbers.filter((n) => !SUCCESS.test(n.status) && !PENDING.test(n.status)),
  };
}
