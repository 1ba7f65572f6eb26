// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows and columns of the README's privacy table, in one place for the tests that back its cells: the mDNS
 * column ({@code discovery.AnnouncementPrivacyTest}), the DHT column ({@code dht.DhtRecordPrivacyTest}) and
 * the four TLS columns ({@code rsocket.PrivacyTableTest}, which also checks the README's table has exactly these).
 */
public final class PrivacyTable {

	public static final String PEER_NAME = "PeerName and certificate";
	public static final String NICKNAME = "nickname";
	public static final String DISPLAY_NAME = "display name";
	public static final String EMAIL = "e-mail";
	public static final String PICTURE = "picture";
	public static final String NAMES = "endpoint and machine names";
	public static final String ADDRESSES = "endpoints and addresses";
	public static final String PRESENCE = "presence";
	public static final String APPLICATIONS = "applications";
	public static final String OBJECTS = "objects";
	public static final String SIGNED_IN = "whether I am signed in at all";

	public static final List<String> ROWS = List.of(PEER_NAME, NICKNAME, DISPLAY_NAME, EMAIL, PICTURE, NAMES,
			ADDRESSES, PRESENCE, APPLICATIONS, OBJECTS, SIGNED_IN);

	public static final String LAN = "anyone on the LAN (mDNS)";
	public static final String STRANGER_NEAR_ME = "a stranger near me (TLS)";
	public static final String STRANGER_ON_INTERNET = "a stranger on the Internet (TLS)";
	public static final String CONTACT = "a contact I allow";
	public static final String BLOCKED = "a blocked contact";
	public static final String DHT = "anyone reading the DHT";

	public static final List<String> COLUMNS = List.of(LAN, STRANGER_NEAR_ME, STRANGER_ON_INTERNET, CONTACT, BLOCKED,
			DHT);

	private PrivacyTable() {
	}

	/**
	 * @param readme the README
	 * @return the privacy table's cells as written: the header row (first cell {@code "what"}) then one row per data
	 */
	public static List<List<String>> readFrom(Path readme) throws IOException {
		List<String> lines = Files.readAllLines(readme);
		int start = lines.indexOf("## Privacy: who can learn what about me");
		if (start < 0) {
			throw new AssertionError("the README has no section '## Privacy: who can learn what about me'");
		}
		List<List<String>> table = new ArrayList<>();
		boolean inTable = false;
		for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
			String line = lines.get(i);
			if (line.startsWith("|")) {
				inTable = true;
				if (line.startsWith("| ---") || line.startsWith("|---")) {
					continue;
				}
				List<String> cells = new ArrayList<>();
				for (String cell : line.substring(1, line.lastIndexOf('|')).split("\\|", -1)) {
					cells.add(cell.strip());
				}
				table.add(cells);
			}
			else if (inTable) {
				break;
			}
		}
		return table;
	}
}
