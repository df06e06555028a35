// The small register the matching tests share (test code only).
import { validId, type RegisterPerson } from './match.fixture.ts';

export const P = {
  ZHANG: validId('1970-03-04', 11), // 张三 M, 城关镇
  LI: validId('1972-05-06', 22), // 李梅 F
  WANG: validId('1980-01-01', 32), // 王丽 F
  ZHAO: validId('1948-02-02', 42), // 趙麗 F (traditional in the register)
  OUYANG: validId('1975-04-04', 51), // 欧阳明华 M
  CHEN: validId('1965-06-06', 61), // 陈建国 M
  LIU1: validId('1990-02-02', 71), // 刘洋 M, 城关镇 } namesakes
  LIU2: validId('1990-02-02', 73), // 刘洋 M, 西河镇 }
  SUN: validId('1985-08-08', 82), // 孙悦 F
  ZHOU: validId('1988-09-09', 91), // 周杰 M
  WU: validId('1992-12-12', 102), // 吴芳 F
  ZHENG_H: validId('1960-03-03', 111), // 郑和 M, 西河镇 } homophones, one per town
  ZHENG_C: validId('1960-03-03', 113), // 郑河 M, 城关镇 }
  QIAN: validId('1950-01-01', 121), // 钱进 M: leaves in the second snapshot
  FANG: validId('2001-09-09', 132), // 王芳 F: joins in the second snapshot
  OUTSIDE: validId('1999-09-09', 801), // nobody in the register
} as const;

export const FIRST_SNAPSHOT: RegisterPerson[] = [
  { household: 'H1', town: '城关镇', id: P.ZHANG, name: '张三', gender: 'M', birth: '1970-03-04' },
  {
    household: 'H1',
    town: '城关镇',
    id: P.LI,
    name: '李梅',
    gender: 'F',
    birth: '1972-05-06',
    relation: '配偶',
  },
  { household: 'H2', town: '西河镇', id: P.WANG, name: '王丽', gender: 'F', birth: '1980-01-01' },
  {
    household: 'H2',
    town: '西河镇',
    id: P.ZHAO,
    name: '趙麗',
    gender: 'F',
    birth: '1948-02-02',
    relation: '父母',
  },
  { household: 'H3', town: '城关镇', id: P.OUYANG, name: '欧阳明华', gender: 'M', birth: '1975-04-04' },
  {
    household: 'H3',
    town: '城关镇',
    id: P.CHEN,
    name: '陈建国',
    gender: 'M',
    birth: '1965-06-06',
    relation: '其他',
  },
  { household: 'H4', town: '城关镇', id: P.LIU1, name: '刘洋', gender: 'M', birth: '1990-02-02' },
  { household: 'H5', town: '西河镇', id: P.LIU2, name: '刘洋', gender: 'M', birth: '1990-02-02' },
  { household: 'H6', town: '城关镇', id: P.SUN, name: '孙悦', gender: 'F', birth: '1985-08-08' },
  {
    household: 'H6',
    town: '城关镇',
    id: P.ZHOU,
    name: '周杰',
    gender: 'M',
    birth: '1988-09-09',
    relation: '配偶',
  },
  {
    household: 'H6',
    town: '城关镇',
    id: P.WU,
    name: '吴芳',
    gender: 'F',
    birth: '1992-12-12',
    relation: '子女',
  },
  { household: 'H8', town: '西河镇', id: P.ZHENG_H, name: '郑和', gender: 'M', birth: '1960-03-03' },
  { household: 'H9', town: '城关镇', id: P.ZHENG_C, name: '郑河', gender: 'M', birth: '1960-03-03' },
  { household: 'H7', town: '西河镇', id: P.QIAN, name: '钱进', gender: 'M', birth: '1950-01-01' },
];

/** QIAN has left, FANG has joined H2. */
export const SECOND_SNAPSHOT: RegisterPerson[] = [
  ...FIRST_SNAPSHOT.filter((p) => p.id !== P.QIAN),
  {
    household: 'H2',
    town: '西河镇',
    id: P.FANG,
    name: '王芳',
    gender: 'F',
    birth: '2001-09-09',
    relation: '子女',
  },
];
