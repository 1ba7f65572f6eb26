// SPDX-License-Identifier: Apache-2.0
/**
 * The agent's implementation: its local protocol, server, client and launcher. No compatibility promise.
 */
@NullMarked
package io.peercollab.agent.internal;

import org.jspecify.annotations.NullMarked;
