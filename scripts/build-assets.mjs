// Copy the compiled NHS.UK frontend (CSS, JS, images) into the git-ignored static folder.
// Versions are pinned in package.json and package-lock.json; nothing is fetched at run time.
import { cpSync, mkdirSync, rmSync, existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'node_modules', 'nhsuk-frontend', 'dist', 'nhsuk')
const target = join(root, 'ohwb_engage', 'static', 'nhsuk')

if (!existsSync(dist)) {
  console.error('nhsuk-frontend is not installed: run `npm ci` first')
  process.exit(1)
}
rmSync(target, { recursive: true, force: true })
mkdirSync(target, { recursive: true })
for (const file of ['nhsuk-frontend.min.css', 'nhsuk-frontend.min.css.map', 'nhsuk-frontend.min.js', 'nhsuk-frontend.min.js.map']) {
  cpSync(join(dist, file), join(target, file))
}
cpSync(join(dist, 'assets'), join(target, 'assets'), { recursive: true })
console.log(`NHS.UK frontend copied to ${target}`)
