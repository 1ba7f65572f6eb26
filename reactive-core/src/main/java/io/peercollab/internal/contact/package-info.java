// SPDX-License-Identifier: Apache-2.0
/**
 * The contact manager: the contacts mirror that answers "is this caller allowed?", the change feed, and the following
 * of contacts' presence.
 *
 * <p>Implementation, not API: anything here may change in any release. Public packages never import it.
 */
package io.peercollab.internal.contact;
