// SPDX-License-Identifier: Apache-2.0
// The build failed, and it is the list of known-vulnerable coordinates that failed it, naming bt-dht.
def log = new File(basedir, 'build.log').text
assert log.contains("PeerCollab's list of known-vulnerable coordinates") : 'the bannedDependencies rule did not fail the build'
assert log =~ /com\.github\.atomashpolskiy:bt-dht:jar:1\.10(:compile)? <--- banned/ : 'the rule did not name bt-dht'
true
