/**
 * @module
 * The modules FC's Python runtimes preinstall beside the standard library (FC's "Python" runtime page, "Built-in
 * Python modules"), as distribution names. The Python bootstrap lets a function import these (and what they require)
 * from the machine's site-packages when the machine has them, and nothing else from there (bootstraps.ts).
 */

/** python3 (3.6), python3.9 and python3.10: the aliyun-python-sdk-* generation. */
const OLDER = [
  'oss2', 'tablestore', 'aliyun-fc2', 'aliyun-python-sdk-ecs', 'aliyun-python-sdk-vpc', 'aliyun-python-sdk-rds', 'aliyun-python-sdk-kms',
  'aliyun-mns', 'aliyun-python-sdk-cdn', 'aliyun-python-sdk-ram', 'aliyun-python-sdk-sts', 'aliyun-python-sdk-iot', 'aliyun-log-python-sdk',
  'wand', 'scrapy', 'PyMySQL', 'elasticsearch', 'Pillow', 'pyOpenSSL', 'redis', 'requests',
];

/** python3.12: the alibabacloud_* (Tea) SDKs instead. */
const PYTHON_3_12 = [
  'oss2', 'alibabacloud_ecs20140526', 'alibabacloud_vpc20160428', 'alibabacloud_rds20140815', 'alibabacloud_kms20160120', 'alibabacloud-mns-open20220119',
  'alibabacloud_cdn20180510', 'alibabacloud_ram20150501', 'alibabacloud_sts20150401', 'alibabacloud_iot20180120', 'alibabacloud_sls20201230',
  'wand', 'scrapy', 'PyMySQL', 'elasticsearch', 'Pillow', 'pyOpenSSL', 'redis', 'requests',
];

export function fcPythonModules(runtime: string): readonly string[] {
  return runtime === 'python3.12' ? PYTHON_3_12 : OLDER;
}
