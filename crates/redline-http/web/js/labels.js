// Chinese labels and colours, in one place.

export const ROLE_CN = { viewer: '查看', reviewer: '审查员', inspector: '巡查员', admin: '管理员' };

export const VERDICT_CN = { pass: '通过', warn: '通过(有警告)', fail: '不通过', invalid: '图形无效' };
export const VERDICT_COLOR = { pass: '#2e7d32', warn: '#ef6c00', fail: '#c62828', invalid: '#616161' };

export const DECISIONS = [['approve', '通过'], ['reject', '不通过'], ['amend', '补正']];
export const DECISION_CN = Object.fromEntries(DECISIONS);

export const SEVERITY_CN = { info: '提示', warn: '警告', fail: '不通过' };

export const RULE_CN = {
  forbid: '禁止占用',
  avoid: '应当避让',
  within: '应位于其内',
  classify: '地类统计',
  existing_homestead: '一户一宅',
};

/** Names of the demo's layers; other layers show their configured name. */
export const LAYER_CN = {
  basic_farmland: '永久基本农田',
  eco_redline: '生态保护红线',
  geohazard: '地质灾害易发区',
  landuse: '三调地类',
  village_plan: '村庄规划',
  homesteads: '已登记宅基地',
  reserves: '自然保护地',
  counties: '县级行政区',
};
export const layerCn = (name) => LAYER_CN[name] || name;

/** Each review layer's colour: its overlap pieces are filled with it. */
const LAYER_COLOR = {
  basic_farmland: '#f2b705',
  eco_redline: '#d81b60',
  geohazard: '#8e24aa',
  landuse: '#7cb342',
  village_plan: '#1e88e5',
  homesteads: '#6d4c41',
};
const SPARE = ['#00897b', '#f4511e', '#3949ab', '#c0ca33', '#5e35b1'];
export function layerColor(name, i = 0) {
  return LAYER_COLOR[name] || SPARE[i % SPARE.length];
}

export const FINDING_CN = {
  header_unreadable: '地块头行无法读取',
  unreadable_point: '界址点无法读取',
  no_points: '没有界址点',
  point_count_mismatch: '界址点数与头行不符',
  swapped_xy: 'X/Y 坐标颠倒',
  area_unit_assumed: '面积单位按推定',
  unit_not_metre: '计量单位不是米',
  crs_unknown: '坐标系未知',
  datum_wgs84_as_cgcs2000: 'WGS84 坐标按 CGCS2000 处理',
  datum_xian80_converted: '1980西安坐标已按七参数转换',
  datum_not_cgcs2000: '不是 2000国家大地坐标系',
  zone_unknown: '带号无法识别',
  zone_mismatch: '带号与坐标不符',
  invalid_coordinate: '坐标无效',
  not_polygon: '不是面',
  reprojection_failed: '坐标转换失败',
  outside_area_of_work: '超出工作区范围',
  outside_zone: '超出投影带范围',
  ring_not_closed: '界址线未闭合',
  too_few_points: '界址点过少',
  repeated_point: '界址点重复',
  spike: '界址线尖刺',
  self_intersection: '界址线自相交',
  ring_self_touch: '界址线自相接',
  rings_cross: '圈与圈相交',
  hole_outside_shell: '扣除区域在外圈之外',
  holes_overlap: '扣除区域重叠',
  parts_overlap: '多部件地块各部分重叠',
  declared_area_mismatch: '申报面积与计算面积不符',
  area_over_limit: '超过宅基地面积标准',
  overlap_forbidden: '占用禁止占用区域',
  overlap_avoid: '位于应避让区域',
  overlap_existing_homestead: '与已登记宅基地重叠',
  outside_within: '超出规划范围',
  unknown_land_class: '地类编码未知',
  land_class_gap: '未被地类图斑覆盖',
  batch_overlap: '与同批次地块重叠',
};

export const STATUSES = [
  ['pending', '待核查', '#fb8c00'],
  ['confirmed', '属实', '#e53935'],
  ['not_an_issue', '不属实', '#9e9e9e'],
  ['rectifying', '整改中', '#8e24aa'],
  ['rectified', '已整改', '#1e88e5'],
  ['closed', '已销号', '#43a047'],
];
export const STATUS_CN = Object.fromEntries(STATUSES.map(([c, l]) => [c, l]));
export const STATUS_COLOR = Object.fromEntries(STATUSES.map(([c, , col]) => [c, col]));

/** The life cycle (same table as redline_core::ledger::TRANSITIONS): [from, to, isReopen]. */
export const TRANSITIONS = [
  ['pending', 'confirmed', false],
  ['pending', 'not_an_issue', false],
  ['confirmed', 'rectifying', false],
  ['rectifying', 'rectified', false],
  ['rectified', 'closed', false],
  ['not_an_issue', 'pending', true],
  ['rectified', 'rectifying', true],
  ['closed', 'rectifying', true],
];

export const ZONES = [
  ['core', '核心区', '#1b5e20'],
  ['buffer', '缓冲区', '#66bb6a'],
  ['experimental', '实验区', '#c5e1a5'],
  ['core_protection', '核心保护区', '#1b5e20'],
  ['general_control', '一般控制区', '#a5d6a7'],
];
export const ZONE_CN = Object.fromEntries(ZONES.map(([c, l]) => [c, l]));

export const CJK_FONTS = ['WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', 'sans-serif'];
