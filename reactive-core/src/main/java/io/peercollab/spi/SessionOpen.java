// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import java.util.UUID;

import io.peercollab.Checks;

/**
 * The first frame of a session channel: which accepted invitation it fulfils.
 *
 * @param invitationId the accepted invitation
 * @param sessionId the host's session
 * @param applicationId the application
 */
public record SessionOpen(UUID invitationId, UUID sessionId, UUID applicationId) {

	/**
	 * @throws NullPointerException if a field is {@code null}
	 */
	public SessionOpen {
		Checks.notNull(invitationId, "invitationId");
		Checks.notNull(sessionId, "sessionId");
		Checks.notNull(applicationId, "applicationId");
	}
}
