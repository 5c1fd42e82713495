/** Node IPAM: one pod CIDR per node, cut from the cluster CIDR. */
export { CidrSet, parseCidr } from './cidr-set.js';
export { NodeIpamController, nodeIpam, podCidrOf } from './node-ipam.js';
