/**
 * Compliance applications: Plivo's way to pre-approve the documents a country with verification
 * requirements asks for. The sandbox has no documents: an application is created already in the
 * state a test needs (`POST /__sandbox/compliance-applications`), and a rent or buy that names it
 * in `compliance_application_id` is judged by that state.
 */
import { badRequest } from './http.js';
import type { NumberGroup } from './catalogue.js';

export const COMPLIANCE_STATUSES = ['approved', 'submitted', 'rejected'] as const;
export type ComplianceStatus = (typeof COMPLIANCE_STATUSES)[number];

export interface ComplianceApplication {
  id: string;
  countryIso2: string;
  numberType: string;
  status: ComplianceStatus;
}

/** What a rent or buy does under an application: deliver at once, or wait as without one. */
export type ComplianceVerdict = 'active' | 'pending';

export class ComplianceApplications {
  private readonly applications = new Map<string, ComplianceApplication>();
  private nextId = 1;

  create(input: Omit<ComplianceApplication, 'id'>): ComplianceApplication {
    const application = { id: `CA${String(this.nextId++).padStart(18, '0')}`, ...input };
    this.applications.set(application.id, application);
    return application;
  }

  list(): ComplianceApplication[] {
    return [...this.applications.values()];
  }

  /**
   * Judges `compliance_application_id` for a number of `group`: approved for the number's country
   * and type → active; submitted → pending; unknown, rejected, or for another country or type → 400
   * naming the parameter.
   */
  verdict(id: string, group: NumberGroup): ComplianceVerdict {
    const application = this.applications.get(id);
    if (!application) throw badRequest(`compliance_application_id ${id} not found`);
    if (application.status === 'rejected') throw badRequest(`compliance_application_id ${id} was rejected`);
    if (application.countryIso2 !== group.countryIso2 || application.numberType !== group.numberType) {
      throw badRequest(
        `compliance_application_id ${id} is for ${application.countryIso2} ${application.numberType} numbers, not ${group.countryIso2} ${group.numberType}`,
      );
    }
    return application.status === 'approved' ? 'active' : 'pending';
  }
}
