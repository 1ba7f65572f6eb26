// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * A discovery that announces nothing and finds no one: lets transport tests sign in to {@code NEAR_ME} (which decides
 * what strangers may see) without mDNS.
 */
public final class NoPeersDiscovery extends ScriptedDiscovery {
}
